using System.Runtime.InteropServices;
using System.Text;
using KnockKnock.Crypto;

namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// The daemon's state directory (default /var/lib/knockknock): owned by the daemon user, 0700,
/// holding one counter directory per profile. Created at start while still root.
/// </summary>
internal static class StateDirectory
{
    public static void Prepare(string path, uint owner, uint group)
    {
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Chown(path, owner, group);
            return;
        }
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw KnockKnockException.Usage($"unsafe permissions on state directory {path} (group or others may write): run chmod 700 {path}");
        }
    }

    public static unsafe void Chown(string path, uint owner, uint group)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            if (Interop.Lchown(p, owner, group) < 0)
            {
                throw Interop.ErrnoException("lchown", path, Marshal.GetLastPInvokeError());
            }
        }
    }
}
