using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Client.Connect;

/// <summary>
/// This process's standard input and output as one side of a <see cref="Relay"/> (what ssh's
/// ProxyCommand talks to). Raw descriptors 0 and 1 (not System.Console: see StandardStreams). Either may be a pipe, a socket or a terminal, possibly non-blocking
/// (EAGAIN waits with poll). The end of what comes from the connection closes standard output
/// (replaced by /dev/null, so the number stays taken): the reader sees end of file.
/// </summary>
internal sealed class StandardStreamsEnd : IRelayEnd, IDisposable
{
    private const int Output = 1;
    private readonly FileDescriptorHandle _input = new(0, ownsHandle: false);

    public string Name => "standard input and output";

    /// <summary>A read of standard input blocked in another thread cannot be woken.</summary>
    public bool CanInterrupt => false;

    public int Read(Span<byte> buffer)
    {
        while (true)
        {
            var n = Interop.Read(_input, buffer);
            if (n >= 0)
            {
                return (int)n;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EAGAIN)
            {
                _ = Interop.Poll(_input, LibC.POLLIN, -1, "standard input");
            }
            else if (errno != LibC.EINTR)
            {
                throw Interop.Error("read", "standard input", errno);
            }
        }
    }

    public void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var n = Interop.Write(Output, buffer);
            if (n >= 0)
            {
                buffer = buffer[(int)n..];
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EAGAIN)
            {
                _ = Interop.Poll(Output, LibC.POLLOUT, -1, "standard output");
            }
            else if (errno != LibC.EINTR)
            {
                throw Interop.Error("write", "standard output", errno);
            }
        }
    }

    public void EndWrite()
    {
        using var devNull = Interop.Open("/dev/null", LibC.O_RDWR);
        Interop.Dup2(devNull, Output);
    }

    public void Interrupt()
    {
        // Nothing to wake: the process ends instead.
    }

    /// <summary>Releases the wrapper of descriptor 0 (which stays open: it is not ours).</summary>
    public void Dispose() => _input.Dispose();
}
