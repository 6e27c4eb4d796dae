namespace KnockKnock.Tests.Daemon;

/// <summary>How the daemon reads a child's stderr (the worker's, the background daemon's): line by line until the pipe ends.</summary>
[TestFixture]
public sealed class PipeLinesTests
{
    [Test]
    public void Lines_come_whole_across_writes_and_reads_and_the_last_needs_no_newline()
    {
        var (read, write) = Interop.Pipe();
        using (read)
        {
            var longLine = new string('x', 10_000);
            var written = new List<long>();
            var writer = new Thread(() =>
            {
                using (write)
                {
                    foreach (var part in new[] { "first\nsec", "ond\n\n", longLine, "\nlast" })
                    {
                        var bytes = System.Text.Encoding.UTF8.GetBytes(part);
                        written.Add(Interop.Write(write.Fd, bytes) - bytes.Length);
                        Thread.Sleep(20);
                    }
                }
            });
            writer.Start();
            Assert.That(PipeLines.Read(read).ToList(), Is.EqualTo(new[] { "first", "second", "", longLine, "last" }));
            writer.Join();
            Assert.That(written, Is.All.Zero, "each part went out in one write");
        }
    }
}
