using System.Diagnostics;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Nft;
using KnockKnock.Daemon.Worker;
using KnockKnock.Tests.Support;
using Tmds.Linux;

namespace KnockKnock.Tests.Worker;

/// <summary>
/// <see cref="WorkerClient.Start"/> returns only once the worker answered its first check; a
/// worker that exits or answers anything else fails the start, and is gone when Start throws.
/// Stand-in workers (a shell or Python program in the launcher's place, which ignores the real
/// worker's argv) play each case.
/// </summary>
[TestFixture]
public sealed class WorkerStartTests
{
    private static WorkerClient Start(string[] standIn, List<string> messages)
    {
        using var counters = new TempDirectory();
        using var handle = Interop.Open(counters.Path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        var policy = new WorkerPolicy(30, 20, WorkerPolicy.DefaultMaxOpenings, WorkerPolicy.DefaultMaxRatePerSecond, LogPrefix.Default,
            new Dictionary<string, WorkerPolicy.ProfileRule> { ["p"] = new(7000, PortSet.All) });
        return WorkerClient.Start(NftBackend.Instance, FirewallSettings.Default, policy, handle, "/nonexistent/knockknock-worker", launcher: standIn,
            onMessage: line =>
            {
                lock (messages)
                {
                    messages.Add(line);
                }
            });
    }

    [Test]
    public void A_worker_that_exits_fails_the_start_with_its_own_last_line_and_its_lines_before_are_passed_on()
    {
        var messages = new List<string>();
        var e = Assert.Throws<KnockKnockException>(() => Start(
            ["/bin/sh", "-c", "echo 'knockknock worker: set up this' >&2; echo 'knockknock worker: cannot set up the firewall: no' >&2; exit 1", "sh"], messages));
        Assert.That(e!.Message, Is.EqualTo("knockknock worker: cannot set up the firewall: no"));
        Assert.That(messages, Is.EqualTo(new[] { "knockknock worker: set up this" }));
    }

    [Test]
    public void A_worker_whose_last_line_is_not_its_own_fails_the_start_naming_its_exit_and_every_line_is_passed_on()
    {
        var messages = new List<string>();
        var e = Assert.Throws<KnockKnockException>(() => Start(["/bin/sh", "-c", "echo 'Unhandled exception.' >&2; echo '   at somewhere' >&2; exit 134", "sh"], messages));
        Assert.That(e!.Message, Does.Match(@"^the firewall worker \(pid \d+\) did not start: it exited, exit code 134$"));
        Assert.That(messages, Is.EqualTo(new[] { "Unhandled exception.", "   at somewhere" }));
    }

    [Test]
    public void A_worker_that_answers_anything_else_fails_the_start_and_is_killed_at_once()
    {
        var messages = new List<string>();
        var started = Stopwatch.StartNew();
        var e = Assert.Throws<KnockKnockException>(() => Start(
            ["/usr/bin/python3", "-c", "import socket, sys, time\nsys.stderr.write('knockknock worker: set up this\\n'); sys.stderr.flush()\ns = socket.socket(fileno=3)\ns.recv(256)\ns.send(b'what')\ntime.sleep(600)"], messages));
        Assert.That(e!.Message, Does.Match(@"^the firewall worker \(pid \d+\) did not start: it answered 'what' to its first check, exit code 137$"), "killed (SIGKILL); its note is not the reason");
        Assert.That(messages, Is.EqualTo(new[] { "knockknock worker: set up this" }));
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "not left to the 60 s reply time-out nor the 30 s exit wait");
    }
}
