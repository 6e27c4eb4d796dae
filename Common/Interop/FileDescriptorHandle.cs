using System.Diagnostics;
using System.Runtime.InteropServices;

namespace KnockKnock;

/// <summary>
/// Owns one file descriptor and closes it exactly once. Made only from a descriptor that a call
/// returned successfully (never from -1), so <see cref="IsInvalid"/> is false for every live handle.
/// The one descriptor handle of the project: files, directories and sockets alike.
/// </summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle(int fd, bool ownsHandle = true)
        : base(invalidHandleValue: -1, ownsHandle)
    {
        Debug.Assert(fd >= 0, "made only from a successful call's result");
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    /// <summary>The descriptor number; the caller keeps this handle alive while it uses it.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Close((int)handle) == 0;
}
