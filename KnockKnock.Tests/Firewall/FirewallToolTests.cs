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
    public void A_process_the_tool_left_holding_its_output_does_not_hold_the_caller_past_the_time_limit()
    {
        using var dir = new TempDirectory();
        var pidFile = dir.Combine("pid");
        try
        {
            var clock = Stopwatch.StartNew();
            Assert.That(FirewallTool.TryRun(["/bin/sh", "-c", $"sleep 30 & echo $! > {pidFile}; exit 0"], out _, out var error, timeoutMilliseconds: 500), Is.False);
            Assert.That(error, Is.EqualTo("sh timed out: it exited, but a process it started still holds its output"));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            // The sleep this test's tool started, by its pid.
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var sleeper))
            {
                _ = Tmds.Linux.LibC.kill(sleeper, Tmds.Linux.LibC.SIGKILL);
            }
        }
    }

    [Test]
    public void A_tool_inherits_no_descriptor_but_its_standard_streams()
    {
        // A descriptor without close-on-exec, as libipset's netlink socket is.
        var inheritable = Tmds.Linux.LibC.dup(0);
        Assert.That(inheritable, Is.GreaterThan(3));
        try
        {
            Assert.That(FirewallTool.TryRun(["/bin/ls", "/proc/self/fd"], out var listing, out var error), Is.True, error);
            // ls's own descriptor on the directory it lists is the 3.
            Assert.That(listing.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "0", "1", "2", "3" }));
        }
        finally
        {
            _ = Tmds.Linux.LibC.close(inheritable);
        }
    }

    [Test]
    public void A_missing_tool_is_a_one_line_error()
    {
        Assert.That(FirewallTool.TryRun(["/nonexistent/knockknock-tool"], out _, out var error), Is.False);
        Assert.That(error, Does.StartWith("cannot run /nonexistent/knockknock-tool: ").And.Not.Contain('\n'));
    }

    /// <param name="hang">The script's end: hang with its output open, or closed (then only the
    /// pidfd shows it still runs).</param>
    [TestCase("exec sleep 30")]
    [TestCase("exec >&- 2>&-; exec sleep 30")]
    public void A_tool_that_hangs_is_killed_and_reaped_at_its_time_limit(string hang)
    {
        using var dir = new TempDirectory();
        var pidFile = dir.Combine("pid");
        var clock = Stopwatch.StartNew();
        Assert.That(FirewallTool.TryRun(["/bin/sh", "-c", $"echo $$ > {pidFile}; {hang}"], out _, out var error, timeoutMilliseconds: 500), Is.False);
        Assert.That(error, Is.EqualTo("sh timed out"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
        var pid = File.ReadAllText(pidFile).Trim();
        Assert.That(Directory.Exists($"/proc/{pid}"), Is.False, "killed and reaped: no process, no zombie");
    }
}
