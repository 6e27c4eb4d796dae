using System.Runtime.InteropServices;
using System.Text;

namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// One libnftables context (nft_ctx): a netlink socket and a cache of the ruleset that
/// libnftables refreshes only when the kernel's generation moved, with a reference of its own to
/// the library. The worker keeps one until it is idle after a burst, then frees it, and with it the
/// library (<see cref="Interop.LoadNftables"/>), and makes another at its next command
/// (NftOpenings). Output and errors go to buffers, both read after every command (each read
/// empties its buffer); no include path, so no command can read a file. libnftables keeps
/// unsynchronised global state, so the context is used by the thread that created it only: any
/// other thread gets an exception.
/// </summary>
internal sealed unsafe class NftContext : IDisposable
{
    private readonly Interop.NftablesFunctions _nft;
    private readonly nint _context;
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private bool _disposed;

    private NftContext(Interop.NftablesFunctions nft, nint context)
    {
        _nft = nft;
        _context = context;
    }

    /// <summary>Loads libnftables and makes a context; throws <see cref="InvalidOperationException"/> if it cannot.</summary>
    public static NftContext Create()
    {
        var nft = Interop.LoadNftables();
        var context = nft.CtxNew(Interop.NFT_CTX_DEFAULT);
        if (context == 0)
        {
            nft.Dispose();
            throw new InvalidOperationException("nft_ctx_new failed");
        }
        if (nft.CtxBufferOutput(context) != 0 || nft.CtxBufferError(context) != 0)
        {
            nft.CtxFree(context);
            nft.Dispose();
            throw new InvalidOperationException("libnftables cannot buffer its output");
        }
        nft.CtxClearIncludePaths(context);
        // Listings leave set elements out: the worker lists only its chain, to compare it.
        nft.CtxOutputSetFlags(context, Interop.NFT_CTX_OUTPUT_TERSE);
        return new NftContext(nft, context);
    }

    /// <summary>Runs <paramref name="commands"/> as one transaction; its listing output, or false and the first line of the error.</summary>
    public bool TryRun(string commands, out string output, out string error)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Environment.CurrentManagedThreadId != _thread)
        {
            throw new InvalidOperationException("a libnftables context is used by the thread that made it only");
        }
        int result;
        fixed (byte* text = Encoding.UTF8.GetBytes(commands + "\0"))
        {
            result = _nft.RunCmdFromBuffer(_context, text);
        }
        output = Marshal.PtrToStringUTF8((nint)_nft.CtxGetOutputBuffer(_context)) ?? "";
        var errors = Marshal.PtrToStringUTF8((nint)_nft.CtxGetErrorBuffer(_context)) ?? "";
        error = result == 0 ? "" : errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "libnftables failed without a message";
        return result == 0;
    }

    /// <summary>Frees the context, then gives back its reference to the library (which ld.so unmaps when it was the last).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            if (Environment.CurrentManagedThreadId != _thread)
            {
                throw new InvalidOperationException("a libnftables context is freed by the thread that made it only");
            }
            _disposed = true;
            _nft.CtxFree(_context);
            _nft.Dispose();
        }
    }
}
