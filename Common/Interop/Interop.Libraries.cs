namespace KnockKnock;

// Every import of these libraries carries [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]:
// the loader's own search by name (ld.so.cache, the system's directories), never first the
// executable's directory, where the runtime would otherwise look; Nettle and libnftables, which have
// no imports, are loaded by that same search (Interop.Nettle.cs, Interop.Nftables.cs). libc is the
// runtime's own.
internal static partial class Interop
{
    /// <summary>
    /// GNU Nettle (Debian: libnettle8), the crypto library of both knock protocols: HKDF-SHA256, and
    /// AES-256 where the CPU has AES-NI (docs/PROTOCOL.md, "Keys"). Small, with no configuration,
    /// providers or start-up of its own: loading it costs a knock about 0.3 ms where OpenSSL's load
    /// and start cost 6 - 9 ms (docs/PERFORMANCE.md, section 3). Loaded with dlopen when a process
    /// first derives a key, its functions resolved together (<see cref="LoadNettle"/>); its contexts
    /// are allocated by the caller; its calls themselves cannot fail. Listed in packaging/debian/dlopen.
    /// </summary>
    public const string LibNettle = "libnettle.so.8";

    /// <summary>
    /// The nftables project's own library (Debian: libnftables1). Not linked: loaded with dlopen
    /// with each context the nft worker makes and unloaded when it frees it at an idle release
    /// (<see cref="LoadNftables"/>), so a process that never calls it never loads it, and a host
    /// without it fails only there. Its calls report errors in the context's error buffer, not in
    /// errno. Listed in packaging/debian/dlopen.
    /// </summary>
    public const string LibNftables = "libnftables.so.1";

    /// <summary>
    /// ipset's library (Debian: libipset13), loaded with dlopen at the first call of its imports and
    /// kept for the life of the process. Only its session
    /// and data calls are used (never the argv parser, whose default error handler calls exit());
    /// errors come back in the session's report, not in errno. Listed in packaging/debian/dlopen.
    /// </summary>
    public const string LibIpset = "libipset.so.13";
}
