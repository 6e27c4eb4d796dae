using System.Runtime.InteropServices;

namespace KnockKnock;

internal static unsafe partial class Interop
{
    /// <summary>NFT_CTX_DEFAULT: the only flags value of nft_ctx_new (any other opens no netlink socket).</summary>
    public const uint NFT_CTX_DEFAULT = 0;

    /// <summary>NFT_CTX_OUTPUT_TERSE: listings leave out set elements (nft -t).</summary>
    public const uint NFT_CTX_OUTPUT_TERSE = 1 << 11;

    /// <summary>
    /// Loads libnftables.so.1 by its soname (ld.so's own search: ld.so.cache and the system's
    /// directories, never the executable's, as <see cref="LoadNettle"/>) and resolves the functions
    /// the worker calls. Every call takes a reference of its own, which the returned table's Dispose
    /// gives back: when the last one goes, ld.so unmaps libnftables and the five libraries it needs
    /// (1.4 MB of an idle worker). Nothing else in the worker needs any of them, so they go together:
    /// libgmp, whose allocation functions libnftables points at its own, never outlives it (the
    /// worker's idle-release test checks that all six are unmapped). An <see cref="InvalidOperationException"/> naming the library and
    /// its package where it or one of its functions is missing.
    /// </summary>
    public static NftablesFunctions LoadNftables()
    {
        nint library;
        try
        {
            library = NativeLibrary.Load(LibNftables);
        }
        catch (DllNotFoundException e)
        {
            throw NftablesMissing(e);
        }
        try
        {
            return new NftablesFunctions(library);
        }
        catch (EntryPointNotFoundException e)
        {
            NativeLibrary.Free(library);
            throw NftablesMissing(e);
        }
    }

    /// <summary>The library or a function missing, with the loader's own last line (dlerror's, or the function's name).</summary>
    private static InvalidOperationException NftablesMissing(Exception e)
        => new($"cannot use {LibNftables} (Debian: apt-get install libnftables1): {e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1]}", e);

    /// <summary>
    /// The libnftables functions the worker calls, as addresses resolved together from one reference
    /// to the library (<see cref="LoadNftables"/>); Dispose gives the reference back, after which no
    /// address may be called. Not [LibraryImport]s: the runtime would keep a library it bound an
    /// import to loaded for the life of the process. Errors are reported in the context's error
    /// buffer, not in errno.
    /// </summary>
    internal sealed class NftablesFunctions(nint library) : IDisposable
    {
        private nint _library = library;

        /// <summary>struct nft_ctx *nft_ctx_new(uint32_t flags): NULL (0) on failure.</summary>
        public readonly delegate* unmanaged<uint, nint> CtxNew =
            (delegate* unmanaged<uint, nint>)NativeLibrary.GetExport(library, "nft_ctx_new");

        /// <summary>void nft_ctx_free(struct nft_ctx *ctx)</summary>
        public readonly delegate* unmanaged<nint, void> CtxFree =
            (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(library, "nft_ctx_free");

        /// <summary>int nft_ctx_buffer_output(struct nft_ctx *ctx): 0 when output now goes to a buffer instead of stdout.</summary>
        public readonly delegate* unmanaged<nint, int> CtxBufferOutput =
            (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "nft_ctx_buffer_output");

        /// <summary>int nft_ctx_buffer_error(struct nft_ctx *ctx): 0 when error messages now go to a buffer instead of stderr.</summary>
        public readonly delegate* unmanaged<nint, int> CtxBufferError =
            (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "nft_ctx_buffer_error");

        /// <summary>const char *nft_ctx_get_output_buffer(struct nft_ctx *ctx): owned by the context; reading it empties it.</summary>
        public readonly delegate* unmanaged<nint, byte*> CtxGetOutputBuffer =
            (delegate* unmanaged<nint, byte*>)NativeLibrary.GetExport(library, "nft_ctx_get_output_buffer");

        /// <summary>const char *nft_ctx_get_error_buffer(struct nft_ctx *ctx): owned by the context; reading it empties it.</summary>
        public readonly delegate* unmanaged<nint, byte*> CtxGetErrorBuffer =
            (delegate* unmanaged<nint, byte*>)NativeLibrary.GetExport(library, "nft_ctx_get_error_buffer");

        /// <summary>void nft_ctx_clear_include_paths(struct nft_ctx *ctx): no command can then include a file relative to /etc.</summary>
        public readonly delegate* unmanaged<nint, void> CtxClearIncludePaths =
            (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(library, "nft_ctx_clear_include_paths");

        /// <summary>void nft_ctx_output_set_flags(struct nft_ctx *ctx, unsigned int flags)</summary>
        public readonly delegate* unmanaged<nint, uint, void> CtxOutputSetFlags =
            (delegate* unmanaged<nint, uint, void>)NativeLibrary.GetExport(library, "nft_ctx_output_set_flags");

        /// <summary>
        /// int nft_run_cmd_from_buffer(struct nft_ctx *nft, const char *buf): runs the commands of
        /// the NUL-terminated buf as one transaction; 0 when all applied, else nothing applied and
        /// the reason is in the error buffer (errno means nothing afterwards).
        /// </summary>
        public readonly delegate* unmanaged<nint, byte*, int> RunCmdFromBuffer =
            (delegate* unmanaged<nint, byte*, int>)NativeLibrary.GetExport(library, "nft_run_cmd_from_buffer");

        /// <summary>Gives the reference back, once however often it is called.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _library, 0) is var owned and not 0)
            {
                NativeLibrary.Free(owned);
            }
        }
    }
}
