namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// The nftables project's own library (Debian: libnftables1). Not linked: loaded with dlopen at
    /// the first call, so a process that never calls it never loads it, and a host without it fails
    /// only there (DllNotFoundException). Its calls report errors in the context's error buffer, not
    /// in errno. Listed in packaging/debian/dlopen.
    /// </summary>
    public const string LibNftables = "libnftables.so.1";

    /// <summary>
    /// ipset's library (Debian: libipset13), loaded like <see cref="LibNftables"/>. Only its session
    /// and data calls are used (never the argv parser, whose default error handler calls exit());
    /// errors come back in the session's report, not in errno. Listed in packaging/debian/dlopen.
    /// </summary>
    public const string LibIpset = "libipset.so.13";
}
