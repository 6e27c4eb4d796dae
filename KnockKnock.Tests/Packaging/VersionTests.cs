using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Packaging;

/// <summary>One version everywhere: Directory.Build.props, the Debian changelog, the binaries' --version.</summary>
[TestFixture]
public sealed class VersionTests
{
    [Test]
    public void The_changelog_top_entry_has_the_version_of_Directory_Build_props()
        => Assert.That(ProjectVersion.FromChangelog(), Is.EqualTo(ProjectVersion.FromBuildProps()), "add a packaging/debian/changelog entry for the new version");

    [Test]
    public void The_commands_report_the_version_of_Directory_Build_props()
    {
        var version = ProjectVersion.FromBuildProps();
        Assert.That(Command.Check(Binaries.Client, "--version").Trim(), Is.EqualTo(version));
        Assert.That(Command.Check(Binaries.Daemon, "--version").Trim(), Is.EqualTo(version));
    }
}
