using System.Globalization;
using KnockKnock.Tests.Support;
using Tmds.Linux;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// A <c>--foreground</c> daemon at a terminal: Ctrl-C goes to the terminal's foreground process
/// group. The root worker leads a group of its own, so only the daemon gets it and stops in order:
/// the worker removes every opening and both exit 0. In the daemon's group, SIGINT would end the
/// worker at once, leaving the openings to expire and the daemon to fail.
/// </summary>
[TestFixture("iptables")]
[TestFixture("nft")]
[Category("Root")]
[NonParallelizable]
public sealed class TerminalSignalTests(string backend)
{
    [Test]
    public void Ctrl_C_to_a_foreground_daemons_process_group_stops_it_in_order_and_does_not_reach_the_worker()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 60);
        // setsid execs in place, making the daemon lead a group, as a shell's foreground job does.
        using var daemon = site.StartDaemon(launcher: ["/usr/bin/setsid"]);
        var worker = daemon.WorkerProcessId;
        Assert.That(ProcessGroup(daemon.ProcessId), Is.EqualTo(daemon.ProcessId));
        Assert.That(ProcessGroup(worker), Is.EqualTo(worker), "the worker leads a group of its own");
        site.ClientKnock(KnockSite.Service);
        Assert.That(daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
        Assert.That(site.Openings(), Is.Not.Empty);

        Assert.That(LibC.kill(-daemon.ProcessId, LibC.SIGINT), Is.Zero, "SIGINT to the daemon's whole group, as the terminal sends it");

        Assert.That(daemon.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, daemon.Output);
        Assert.That(site.Openings(), Is.Empty, "the worker removed them before it exited");
    }

    /// <summary>Field 5 of /proc/PID/stat, after the command name in parentheses.</summary>
    private static int ProcessGroup(int pid)
        => int.Parse(File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
}
