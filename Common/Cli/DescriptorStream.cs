using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Cli;

/// <summary>
/// Write-only stream over an inherited descriptor (standard output or error) that it does not own:
/// every write is write(2) at the descriptor's own file offset, retried until all bytes are out.
/// Like the console it replaces, it drops output that nobody can read: a reader that has gone
/// (EPIPE: `knockknock ... | head -0` must not turn a sent knock into a failure), a terminal that
/// hung up (EIO on a character device: a `--foreground` daemon's closed terminal must not turn its
/// stop into a crash; EIO from a file's disk is still an error), or a descriptor not open for
/// writing (EBADF); it waits out a full non-blocking descriptor (EAGAIN). Any other error is an
/// exception naming the stream.
/// </summary>
internal sealed class DescriptorStream(int fd, string name) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var written = Interop.Write(fd, buffer);
            if (written >= 0)
            {
                buffer = buffer[(int)written..];
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EPIPE || errno == LibC.EBADF || (errno == LibC.EIO && IsCharacterDevice()))
            {
                return;
            }
            if (errno == LibC.EAGAIN)
            {
                _ = Interop.Poll(fd, LibC.POLLOUT, -1, name);
            }
            else if (errno != LibC.EINTR)
            {
                throw Interop.Error("write", name, errno);
            }
        }
    }

    private bool IsCharacterDevice()
    {
        using var handle = new FileDescriptorHandle(fd, ownsHandle: false);
        return Interop.Stat(handle, name).Type == StatxBuffer.CharacterDevice;
    }

    public override void Flush()
    {
        // Nothing is buffered here: every Write has reached the descriptor when it returns.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
