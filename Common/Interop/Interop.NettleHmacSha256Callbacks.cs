using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// The addresses of nettle_hmac_sha256_update and nettle_hmac_sha256_digest, which HKDF-Extract
    /// and HKDF-Expand take as their MAC (this code never calls them itself). Loads libnettle.so.8
    /// as the calls above do; DllNotFoundException or EntryPointNotFoundException where it is missing.
    /// </summary>
    public static (nint Update, nint Digest) NettleHmacSha256Callbacks()
    {
        // By its name from the system's library path, as the calls above load it: not first from the
        // executable's directory, where NativeLibrary.Load would look by default.
        var nettle = NativeLibrary.Load(LibNettle, typeof(Interop).Assembly, DllImportSearchPath.System32);
        return (NativeLibrary.GetExport(nettle, "nettle_hmac_sha256_update"), NativeLibrary.GetExport(nettle, "nettle_hmac_sha256_digest"));
    }
}
