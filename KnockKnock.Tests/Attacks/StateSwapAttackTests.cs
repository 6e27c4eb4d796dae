using System.Diagnostics;
using KnockKnock.Tests.EndToEnd;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Attacks;

/// <summary>
/// A process of the daemon user (here nobody, which the daemon runs as) races root's start-up: it
/// exchanges STATE_DIR/NAME with a symlink to a root-owned directory in a tight loop (renameat2
/// RENAME_EXCHANGE) while root restarts the daemon 50 times. Root used to create, chown and rename
/// the counter through STATE_DIR/NAME by path, so it could be steered into creating a file owned by
/// the daemon user in any directory (with /etc/cron.hourly as the target, root code execution). Now
/// the state directory is root's, root works only relative to descriptors opened without following
/// symlinks, and the daemon user owns nothing root walks through: the target stays untouched.
/// </summary>
[Category("Root")]
[NonParallelizable]
public sealed class StateSwapAttackTests
{
    [Test]
    public void A_daemon_user_swapping_state_directories_for_symlinks_never_steers_root_into_another_directory()
    {
        Root.Require();
        using var site = new KnockSite("nft");
        var target = Path.Combine(site.Directory, "target");
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
        using (var first = site.StartDaemon())
        {
            Assert.That(first.Stop(), Is.Zero, first.Output);
        }

        // The attacker races both names it could use: the per-profile directory of the earlier layout
        // and its own directory of the current one.
        var attackers = new[] { "alpha", "daemon" }.Select(name => Command.Start("setpriv",
            ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet",
             typeof(StateSwapAttackTests).Assembly.Location, "swap-loop", site.StateDirectory, name, "lnk-" + name, target, "600"])).ToList();
        try
        {
            for (var restart = 0; restart < 50; restart++)
            {
                var daemon = DaemonProcess.Start(site.Net.Server, ["--foreground", "--config-dir", site.ConfigDirectory, "--state-dir", site.StateDirectory, "--pidfile", site.PidFile, "--firewall", "nft"]);
                using (daemon)
                {
                    // Root's start-up either completes or refuses the tampered layout; it never follows the swap.
                    var line = daemon.WaitForLine("started:", TimeSpan.FromSeconds(30));
                    if (line is not null)
                    {
                        Assert.That(daemon.Stop(), Is.Zero, daemon.Output);
                    }
                    else
                    {
                        Assert.That(daemon.WaitForExit(TimeSpan.FromSeconds(30)), Is.Not.Zero, daemon.Output);
                    }
                }
                Assert.That(Directory.EnumerateFileSystemEntries(target), Is.Empty, $"restart {restart}: root wrote into the target directory");
            }
        }
        finally
        {
            foreach (var attacker in attackers)
            {
                if (!attacker.HasExited)
                {
                    attacker.Kill();
                }
                attacker.WaitForExit();
                attacker.Dispose();
            }
        }
        Assert.That(Directory.EnumerateFileSystemEntries(target), Is.Empty);
        Assert.That(File.GetUnixFileMode(site.StateDirectory), Is.EqualTo((UnixFileMode)0b111_101_101), "the state directory is root's 0755");
    }
}
