using System.Diagnostics;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Firewall;

/// <summary>
/// How the daemon and the root worker run a firewall tool (posix_spawn, two pipes, waitpid): what
/// the tool gets, what comes back, and that a hung tool is killed and reaped.
/// </summary>
[TestFixture]
public sealed class FirewallToolTests
{
    [Test]
    public void A_tool_gets_a_fixed_environment_and_no_input()
    {
        Assert.That(FirewallTool.TryRun(["/usr/bin/env"], out var environment, out var error), Is.True, error);
        Assert.That(environment, Is.EqualTo("PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLC_ALL=C\n"));
        // cat would wait for input forever on anything but /dev/null.
        Assert.That(FirewallTool.TryRun(["/bin/cat"], out var input, out error, timeoutMilliseconds: 10_000), Is.True, error);
        Assert.That(input, Is.Empty);
    }

    [Test]
    public void A_failing_tool_reports_its_exit_code_and_first_line_of_errors()
    {
        Assert.That(FirewallTool.TryRun(["/bin/sh", "-c", "echo listed; printf '\\n  first problem \\nsecond\\n' >&2; exit 3"], out var output, out var error), Is.False);
        Assert.That(error, Is.EqualTo("sh exited 3: first problem"));
        Assert.That(output, Is.EqualTo("listed\n"));
    }

    [Test]
    public void Output_larger_than_a_pipe_on_both_streams_does_not_block()
    {
        // 1 MiB on each stream, interleaved: reading only one pipe at a time would deadlock.
        var script = "i=0; while [ $i -lt 256 ]; do head -c 4096 /dev/zero | tr '\\0' o; head -c 4096 /dev/zero | tr '\\0' e >&2; i=$((i+1)); done";
        Assert.That(FirewallTool.TryRun(["/bin/sh", "-c", script], out var output, out var error, timeoutMilliseconds: 60_000), Is.True, error);
        Assert.That(output, Has.Length.EqualTo(1 << 20));
        Assert.That(output.Trim('o'), Is.Empty);
    }

    [Test]
    public void A_missing_tool_is_a_one_line_error()
    {
        Assert.That(FirewallTool.TryRun(["/nonexistent/knockknock-tool"], out _, out var error), Is.False);
        Assert.That(error, Does.StartWith("cannot run /nonexistent/knockknock-tool: ").And.Not.Contain('\n'));
    }

    [Test]
    public void A_tool_that_hangs_is_killed_and_reaped_at_its_time_limit()
    {
        using var dir = new TempDirectory();
        var pidFile = dir.Combine("pid");
        var clock = Stopwatch.StartNew();
        Assert.That(FirewallTool.TryRun(["/bin/sh", "-c", $"echo $$ > {pidFile}; exec sleep 30"], out _, out var error, timeoutMilliseconds: 500), Is.False);
        Assert.That(error, Is.EqualTo("sh timed out"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
        var pid = File.ReadAllText(pidFile).Trim();
        Assert.That(Directory.Exists($"/proc/{pid}"), Is.False, "killed and reaped: no process, no zombie");
    }
}
