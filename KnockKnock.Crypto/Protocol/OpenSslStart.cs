using System.Runtime.InteropServices;

namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// Asks OpenSSL, before the BCL's first cryptographic call initialises it, not to load its error
/// string tables: about 1 ms of every knock's start (docs/PERFORMANCE.md, section 3). OpenSSL runs
/// each part of its initialisation once, so the BCL's later request for the strings is then a
/// no-op; they only word the messages of OpenSSL failures, which then name the error by its code.
/// The configuration file, the providers and the algorithms load as the BCL asks for them.
/// </summary>
internal static partial class OpenSslStart
{
    private const ulong NoLoadCryptoStrings = 0x00000001; // OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS
    private const ulong NoLoadSslStrings = 0x00100000; // OPENSSL_INIT_NO_LOAD_SSL_STRINGS

    /// <summary>int OPENSSL_init_ssl(uint64_t opts, const OPENSSL_INIT_SETTINGS *settings), of the libssl the BCL loads on Debian 12 and later.</summary>
    [LibraryImport("libssl.so.3", EntryPoint = "OPENSSL_init_ssl")]
    private static partial int InitSsl(ulong options, nint settings);

    /// <summary>Skips the error strings; where libssl.so.3 is not the library, leaves OpenSSL to the BCL.</summary>
    public static void WithoutErrorStrings()
    {
        try
        {
            _ = InitSsl(NoLoadCryptoStrings | NoLoadSslStrings, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // The BCL finds its OpenSSL itself and reports there what it cannot.
        }
    }
}
