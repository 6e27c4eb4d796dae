using System.Globalization;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Privileges;

/// <summary>Drops privileges in a child (the daemon's hidden self-check mode), never in the test runner.</summary>
[TestFixture]
[Category("Root")]
public sealed class PrivilegeDropTests
{
    [Test]
    public void Every_thread_ends_unprivileged_with_no_new_privs()
    {
        Root.Require();
        using var child = Command.Start(Binaries.Daemon, ["--privilege-drop-check", "nobody"]);
        try
        {
            var line = child.StandardOutput.ReadLine();
            Assert.That(line, Is.EqualTo("dropped 65534 65534"), child.HasExited ? child.StandardError.ReadToEnd() : "");
            // The runtime has several threads; glibc's set*id broadcast must have reached all of them.
            var tasks = Directory.GetDirectories($"/proc/{child.Id}/task");
            Assert.That(tasks, Has.Length.GreaterThan(1));
            foreach (var task in tasks)
            {
                var fields = File.ReadAllLines(Path.Combine(task, "status")).Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1].Trim());
                Assert.That(fields["Uid"], Is.EqualTo("65534\t65534\t65534\t65534"), task);
                Assert.That(fields["Gid"], Is.EqualTo("65534\t65534\t65534\t65534"), task);
                Assert.That(fields["Groups"], Is.Empty, task);
                Assert.That(ulong.Parse(fields["CapEff"], NumberStyles.HexNumber, CultureInfo.InvariantCulture), Is.Zero, task);
                Assert.That(ulong.Parse(fields["CapPrm"], NumberStyles.HexNumber, CultureInfo.InvariantCulture), Is.Zero, task);
                Assert.That(fields["NoNewPrivs"], Is.EqualTo("1"), task);
            }
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    [Test]
    public void An_unknown_user_is_refused_before_anything_changes()
    {
        Root.Require();
        var result = Command.Run(Binaries.Daemon, ["--privilege-drop-check", "no-such-user-kk"], TimeSpan.FromSeconds(30));
        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StdErr, Does.Contain("no such user"));
    }
}
