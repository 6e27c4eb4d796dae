using KnockKnock.Daemon;
using KnockKnock.Daemon.Host;
using KnockKnock.Daemon.Worker;

namespace KnockKnock.Tests.Daemon;

/// <summary>
/// The daemon's watch over the firewall, on a scripted worker: the recreation time it keeps for
/// status, and its one warning when knock lines stopped while LOG rules are missing. Pure, no root.
/// </summary>
[TestFixture]
public sealed class FirewallWatchTests
{
    private static readonly DateTimeOffset s_start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private StringWriter _log = null!;
    private WorkerCheck _answer = null!;
    private long _lines;

    [SetUp]
    public void SetUp() => (_log, _answer, _lines) = (new StringWriter(), new WorkerCheck(null, 0), 0);

    [TearDown]
    public void TearDown() => _log.Dispose();

    [Test]
    public void It_keeps_the_workers_last_recreation_for_status()
    {
        var watch = Watch();
        Assert.That(watch.LastRecreated, Is.Null);
        var recreated = s_start.AddMinutes(3);
        _answer = new WorkerCheck(recreated, 0);
        watch.Poll(s_start.AddMinutes(4));
        Assert.That(watch.LastRecreated, Is.EqualTo(recreated));
        Assert.That(_log.ToString(), Is.Empty);
    }

    [Test]
    public void It_warns_once_when_lines_stopped_and_LOG_rules_are_missing()
    {
        var watch = Watch();
        _answer = new WorkerCheck(null, 2);
        watch.Poll(s_start.AddMinutes(9));
        Assert.That(_log.ToString(), Is.Empty, "silent for less than 10 minutes");
        watch.Poll(s_start.AddMinutes(10));
        watch.Poll(s_start.AddMinutes(11));
        Assert.That(_log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            "knockknock-daemon: warning: no line with the LOG prefix \"knockknock: \" for 10 minutes, and 2 knock port(s) lack a LOG rule for IPv4 or IPv6 "
                + "(a firewall reload removed them?): knocks cannot arrive; run knockknock-daemon check",
        }));
    }

    [Test]
    public void Lines_or_LOG_rules_keep_it_quiet_and_their_return_rearms_it()
    {
        var watch = Watch();
        _answer = new WorkerCheck(null, 0);
        watch.Poll(s_start.AddMinutes(30));
        Assert.That(_log.ToString(), Is.Empty, "silent, but every knock port is logged: knocks are just rare");

        _answer = new WorkerCheck(null, null);
        watch.Poll(s_start.AddMinutes(40));
        Assert.That(_log.ToString(), Is.Empty, "the worker could not read the ruleset: no claim");

        _answer = new WorkerCheck(null, 1);
        _lines = 5;
        watch.Poll(s_start.AddMinutes(50));
        watch.Poll(s_start.AddMinutes(55));
        Assert.That(_log.ToString(), Is.Empty, "lines arrive: the LOG rules that are left do log");

        watch.Poll(s_start.AddMinutes(61));
        Assert.That(_log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1));
        _lines = 6;
        watch.Poll(s_start.AddMinutes(62));
        watch.Poll(s_start.AddMinutes(73));
        Assert.That(_log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2), "again after lines came back and stopped again");
    }

    [Test]
    public void A_worker_that_is_gone_is_left_to_the_daemons_watch_on_it()
    {
        var watch = new FirewallWatch(() => throw new IOException("the worker has exited"), () => _lines, DaemonLog.ToWriter(_log), "knockknock: ", s_start);
        Assert.That(() => watch.Poll(s_start.AddHours(1)), Throws.Nothing);
        Assert.That(_log.ToString(), Is.Empty);
    }

    private FirewallWatch Watch() => new(() => _answer, () => _lines, DaemonLog.ToWriter(_log), "knockknock: ", s_start);
}
