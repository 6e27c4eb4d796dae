namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// One libnftables context (nft_ctx): a netlink socket and a cache of the ruleset that
/// libnftables refreshes only when the kernel's generation moved. The worker keeps one until it is
/// idle after a burst, then frees it and makes another at its next command (NftOpenings). Output and
/// errors go to buffers, both read after every command (each read empties its buffer); no include
/// path, so no command can read a file. libnftables keeps unsynchronised global state, so the
/// context is used by the thread that created it only: any other thread gets an exception.
/// </summary>
internal sealed class NftContext : IDisposable
{
    private readonly nint _context;
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private bool _disposed;

    private NftContext(nint context) => _context = context;

    /// <summary>Loads libnftables (at the first call in the process) and makes a context; throws <see cref="InvalidOperationException"/> if it cannot.</summary>
    public static NftContext Create()
    {
        nint context;
        try
        {
            context = Interop.NftCtxNew(Interop.NFT_CTX_DEFAULT);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException($"cannot load {Interop.LibNftables}: install libnftables1 ({e.GetType().Name})", e);
        }
        if (context == 0)
        {
            throw new InvalidOperationException("nft_ctx_new failed");
        }
        if (Interop.NftCtxBufferOutput(context) != 0 || Interop.NftCtxBufferError(context) != 0)
        {
            Interop.NftCtxFree(context);
            throw new InvalidOperationException("libnftables cannot buffer its output");
        }
        Interop.NftCtxClearIncludePaths(context);
        // Listings leave set elements out: the worker lists only its chain, to compare it.
        Interop.NftCtxOutputSetFlags(context, Interop.NFT_CTX_OUTPUT_TERSE);
        return new NftContext(context);
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
        var result = Interop.NftRunCmdFromBuffer(_context, commands);
        output = Interop.NftCtxGetOutputBuffer(_context);
        var errors = Interop.NftCtxGetErrorBuffer(_context);
        error = result == 0 ? "" : errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "libnftables failed without a message";
        return result == 0;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Interop.NftCtxFree(_context);
        }
    }
}
