using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Client.Connect;

/// <summary>A connected TCP socket as one side of a <see cref="Relay"/>; it does not own the socket.</summary>
internal sealed class SocketEnd(FileDescriptorHandle socket, string name) : IRelayEnd
{
    public string Name => name;

    public bool CanInterrupt => true;

    public int Read(Span<byte> buffer)
    {
        while (true)
        {
            var n = Interop.Read(socket, buffer);
            if (n >= 0)
            {
                return (int)n;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw Interop.Error("read", name, errno);
            }
        }
    }

    public void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            buffer = buffer[Interop.SendSome(socket, buffer)..];
        }
    }

    public void EndWrite() => Interop.ShutdownWrite(socket);

    public void Interrupt()
    {
        try
        {
            Interop.Shutdown(socket);
        }
        catch (ErrnoException)
        {
            // Already reset by the peer (ENOTCONN): nothing is left to wake.
        }
    }
}
