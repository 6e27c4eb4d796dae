using System.Runtime.InteropServices;

namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// Asks OpenSSL, before the BCL's first cryptographic call initialises it, not to load its error
/// string tables: about 1 ms of every knock's start (docs/PERFORMANCE.md, section 3). OpenSSL runs
/// each part of its initialisation once, so the BCL's later request for the strings is then a
/// no-op; they only word the messages of OpenSSL failures, which then name the error by its code.
/// OpenSSL decides on its exit handler at its first initialisation too, so this call asks, as the
/// BCL does, for none (the runtime's threads may still use OpenSSL while the process exits). The
/// configuration file, the providers and the algorithms load as the BCL asks for them.
/// </summary>
internal static unsafe class OpenSslStart
{
    private const ulong NoLoadCryptoStrings = 0x00000001; // OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS
    private const ulong NoAtExit = 0x00080000; // OPENSSL_INIT_NO_ATEXIT
    private const ulong NoLoadSslStrings = 0x00100000; // OPENSSL_INIT_NO_LOAD_SSL_STRINGS

    /// <summary>
    /// Skips the error strings, in the libssl the BCL's shim opens: dlopen("libssl.so.3") by that
    /// name, the system's, never one beside the executable. Where that is not the library (no
    /// libssl.so.3, or the BCL told to pick another by DOTNET_OPENSSL_VERSION_OVERRIDE), it leaves
    /// OpenSSL to the BCL.
    /// </summary>
    public static void WithoutErrorStrings()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_OPENSSL_VERSION_OVERRIDE") is not null
            || !NativeLibrary.TryLoad("libssl.so.3", out var libssl))
        {
            return;
        }
        if (NativeLibrary.TryGetExport(libssl, "OPENSSL_init_ssl", out var init))
        {
            // int OPENSSL_init_ssl(uint64_t opts, const OPENSSL_INIT_SETTINGS *settings)
            _ = ((delegate* unmanaged<ulong, nint, int>)init)(NoLoadCryptoStrings | NoLoadSslStrings | NoAtExit, 0);
        }
    }
}
