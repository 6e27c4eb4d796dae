namespace KnockKnock.Client.Connect;

/// <summary>One side of a <see cref="Relay"/>: where bytes come from and where the other side's bytes go.</summary>
internal interface IRelayEnd
{
    /// <summary>What the errors name, e.g. "standard input" or "the connection".</summary>
    string Name { get; }

    /// <summary>Whether <see cref="Interrupt"/> can wake a <see cref="Read"/> blocked in another thread.</summary>
    bool CanInterrupt { get; }

    /// <summary>Reads what is there (blocking until something is); 0 at end of stream. Throws <see cref="ErrnoException"/>.</summary>
    int Read(Span<byte> buffer);

    /// <summary>Writes all of <paramref name="buffer"/>. Throws <see cref="ErrnoException"/>.</summary>
    void Write(ReadOnlySpan<byte> buffer);

    /// <summary>Tells the reader on this side that no more bytes come (a half-close); reading goes on.</summary>
    void EndWrite();

    /// <summary>Ends both directions at once, waking a blocked <see cref="Read"/> when <see cref="CanInterrupt"/>.</summary>
    void Interrupt();
}
