using System.Text.RegularExpressions;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Packaging;

/// <summary>scripts/test.sh and .ci/run install the same Debian packages (CI starts on a bare machine).</summary>
[TestFixture]
public sealed partial class PackageListTests
{
    [Test]
    public void Test_sh_and_ci_run_install_the_same_packages()
    {
        var testSh = Words(PackagesBlock().Match(File.ReadAllText(Repository.File("scripts", "test.sh"))));
        var ciRun = Words(AptInstallBlock().Match(File.ReadAllText(Repository.File(".ci", "run"))));
        Assert.That(testSh, Does.Contain("lintian").And.Contain("help2man").And.Contain("dpkg-dev"));
        Assert.That(ciRun, Is.EquivalentTo(testSh));
    }

    private static string[] Words(Match match)
    {
        Assert.That(match.Success, Is.True, "package list not found");
        return match.Groups[1].Value.Replace("\\\n", " ", StringComparison.Ordinal)
            .Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
    }

    [GeneratedRegex(@"^packages=\(([^)]*)\)", RegexOptions.Multiline)]
    private static partial Regex PackagesBlock();

    [GeneratedRegex(@"apt-get install -y -qq ((?:[^\n>]|\\\n)*)>/dev/null")]
    private static partial Regex AptInstallBlock();
}
