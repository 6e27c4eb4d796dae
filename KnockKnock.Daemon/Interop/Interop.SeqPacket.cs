using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>
    /// recv(MSG_TRUNC) of one SOCK_SEQPACKET message: returns its full length (which may exceed
    /// the buffer: the rest is discarded), 0 at end of stream.
    /// </summary>
    public static unsafe int ReceiveMessage(FileDescriptorHandle socket, Span<byte> buffer)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            while (true)
            {
                nint n;
                fixed (byte* p = buffer)
                {
                    n = Recv(socket.Fd, p, (nuint)buffer.Length, LibC.MSG_TRUNC);
                }
                if (n == -1 && Marshal.GetLastPInvokeError() == LibC.EINTR)
                {
                    continue;
                }
                return checked((int)CheckResult(n, "recv"));
            }
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>send(MSG_NOSIGNAL) of one whole message; a closed peer is an exception, not SIGPIPE.</summary>
    public static unsafe void SendMessage(FileDescriptorHandle socket, ReadOnlySpan<byte> message)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            while (true)
            {
                nint n;
                fixed (byte* p = message)
                {
                    n = Send(socket.Fd, p, (nuint)message.Length, LibC.MSG_NOSIGNAL);
                }
                if (n == -1 && Marshal.GetLastPInvokeError() == LibC.EINTR)
                {
                    continue;
                }
                CheckResult(n, "send");
                return;
            }
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>poll(POLLIN) with a time limit; false when it expired.</summary>
    public static unsafe bool WaitReadable(FileDescriptorHandle socket, TimeSpan timeout)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            var fd = new pollfd { fd = socket.Fd, events = LibC.POLLIN };
            var start = Environment.TickCount64;
            var limit = checked((long)timeout.TotalMilliseconds);
            while (true)
            {
                // A signal ends the wait early (EINTR): wait again for what is left of the time limit.
                var left = Math.Max(0, limit - (Environment.TickCount64 - start));
                var n = Poll(&fd, 1, checked((int)left));
                if (n == -1 && Marshal.GetLastPInvokeError() == LibC.EINTR)
                {
                    continue;
                }
                return CheckResult(n, "poll") > 0;
            }
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>poll: true when the peer closed its end (or this end was shut down).</summary>
    public static unsafe bool IsHungUp(FileDescriptorHandle socket)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            var fd = new pollfd { fd = socket.Fd, events = 0 };
            int n;
            do
            {
                n = Poll(&fd, 1, 0);
            }
            while (n == -1 && Marshal.GetLastPInvokeError() == LibC.EINTR);
            return CheckResult(n, "poll") > 0 && (fd.revents & LibC.POLLHUP) != 0;
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>shutdown(SHUT_RDWR): wakes a blocked recv with end of stream.</summary>
    public static void Shutdown(FileDescriptorHandle socket)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            CheckResult(ShutdownNative(socket.Fd, LibC.SHUT_RDWR), "shutdown");
        }
        finally
        {
            socket.DangerousRelease();
        }
    }
}
