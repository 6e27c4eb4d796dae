namespace KnockKnock.Tests.Daemon;

/// <summary>
/// posix_spawn as the daemon uses it to hand descriptors to a child (the worker gets its socket end
/// and the counters directory as 3 and 4): exactly the passed ones arrive, in order, and nothing
/// else this process holds without close-on-exec.
/// </summary>
[TestFixture]
public sealed class SpawnTests
{
    [Test]
    public void A_child_gets_the_passed_descriptors_as_3_and_4_and_no_other()
    {
        var first = Interop.Pipe();
        var second = Interop.Pipe();
        var listing = Interop.Pipe();
        // Held without close-on-exec, as a descriptor leaked by whoever started the daemon would be.
        var leaked = Tmds.Linux.LibC.dup(0);
        try
        {
            int pid;
            using (first.Write)
            using (second.Write)
            using (listing.Write)
            {
                pid = Interop.Spawn("/bin/sh", ["/bin/sh", "-c", "echo first >&3; echo second >&4; ls /proc/$$/fd"], nullStandardStreams: true,
                    passed: [first.Write, second.Write], output: listing.Write);
            }
            Assert.That(Interop.WaitForExit(pid), Is.Zero);
            using (first.Read)
            using (second.Read)
            using (listing.Read)
            {
                Assert.That(PipeLines.Read(first.Read).ToList(), Is.EqualTo(new[] { "first" }));
                Assert.That(PipeLines.Read(second.Read).ToList(), Is.EqualTo(new[] { "second" }));
                // The shell's own descriptors: 0 - 4 only (dash opens nothing else for this script).
                Assert.That(PipeLines.Read(listing.Read).ToList(), Is.EqualTo(new[] { "0", "1", "2", "3", "4" }), $"descriptor {leaked} must not arrive");
            }
        }
        finally
        {
            _ = Tmds.Linux.LibC.close(leaked);
        }
    }

    [Test]
    public void A_passed_descriptor_numbered_0_still_arrives_as_3_under_null_standard_streams()
    {
        // As in a process started with its standard input closed, where pipe2 or socketpair returns 0.
        var channel = Interop.Pipe();
        var listing = Interop.Pipe();
        var savedInput = Tmds.Linux.LibC.dup(0);
        Assert.That(savedInput, Is.GreaterThan(2));
        int pid;
        try
        {
            Assert.That(Tmds.Linux.LibC.dup2(channel.Write.Fd, 0), Is.Zero);
            using var atZero = new FileDescriptorHandle(0, ownsHandle: false);
            using (listing.Write)
            {
                pid = Interop.Spawn("/bin/sh", ["/bin/sh", "-c", "echo through >&3; ls /proc/$$/fd"], nullStandardStreams: true,
                    passed: [atZero], output: listing.Write);
            }
        }
        finally
        {
            _ = Tmds.Linux.LibC.dup2(savedInput, 0);
            _ = Tmds.Linux.LibC.close(savedInput);
            channel.Write.Dispose();
        }
        Assert.That(Interop.WaitForExit(pid), Is.Zero);
        using (channel.Read)
        using (listing.Read)
        {
            Assert.That(PipeLines.Read(channel.Read).ToList(), Is.EqualTo(new[] { "through" }), "the child's 3 is the pipe, not /dev/null");
            Assert.That(PipeLines.Read(listing.Read).ToList(), Is.EqualTo(new[] { "0", "1", "2", "3" }));
        }
    }
}
