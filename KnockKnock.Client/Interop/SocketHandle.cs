using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>Owns a socket file descriptor; closes it once.</summary>
internal sealed class SocketHandle : SafeHandleMinusOneIsInvalid
{
    public SocketHandle(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    protected override bool ReleaseHandle() => LibC.close(checked((int)handle)) == 0;
}
