using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Daemon;

/// <summary>Owns one file descriptor and closes it exactly once.</summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle(int fd, bool ownsHandle)
        : base(invalidHandleValue: -1, ownsHandle) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    /// <summary>The descriptor number; the caller keeps this handle alive while using it.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => LibC.close((int)handle) == 0;
}
