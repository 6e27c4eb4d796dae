using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int pipe2(int pipefd[2], int flags)</summary>
    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static unsafe partial int Pipe2Native(int* fds, int flags);

    /// <summary>pipe2(O_CLOEXEC): a child gets an end only where posix_spawn's file actions put it.</summary>
    public static unsafe (FileDescriptorHandle Read, FileDescriptorHandle Write) Pipe()
    {
        var fds = stackalloc int[2];
        Check(Pipe2Native(fds, LibC.O_CLOEXEC), "pipe2");
        return (new FileDescriptorHandle(fds[0]), new FileDescriptorHandle(fds[1]));
    }
}
