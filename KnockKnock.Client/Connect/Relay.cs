namespace KnockKnock.Client.Connect;

/// <summary>
/// Copies bytes both ways between two ends until both have closed: one thread per direction. The
/// end of one direction is passed on as a half-close (<see cref="IRelayEnd.EndWrite"/>: EOF on
/// standard input becomes shutdown(SHUT_WR) on the connection, which keeps reading), so a request
/// sent before its reader closes still gets its answer. An error in either direction (a reset, a
/// reader gone) ends both: the ends are interrupted, and the relay returns without waiting for a
/// direction blocked where nothing can wake it (standard input: the process ends instead).
/// </summary>
internal static class Relay
{
    private const int BufferSize = 64 * 1024;

    // Enough for the copy loop and the runtime's P/Invoke frames; threads are many in the proxy.
    private const int ThreadStackSize = 256 * 1024;

    /// <summary>Relays until both directions ended; returns null when both ended cleanly, else what went wrong (one line).</summary>
    public static string? Run(IRelayEnd a, IRelayEnd b)
    {
        string? forward = null;
        var thread = new Thread(() => forward = CopyOrInterrupt(a, b), ThreadStackSize) { IsBackground = true, Name = "relay" };
        thread.Start();
        var backward = CopyOrInterrupt(b, a);
        if (backward is not null && !(a.CanInterrupt && b.CanInterrupt))
        {
            return backward;
        }
        thread.Join();
        return backward ?? forward;
    }

    /// <summary>Copies one direction; on an error interrupts both ends (so the other direction ends too) and returns it.</summary>
    private static string? CopyOrInterrupt(IRelayEnd from, IRelayEnd to)
    {
        var error = Copy(from, to);
        if (error is not null)
        {
            from.Interrupt();
            to.Interrupt();
        }
        return error;
    }

    private static string? Copy(IRelayEnd from, IRelayEnd to)
    {
        var buffer = new byte[BufferSize];
        while (true)
        {
            int n;
            try
            {
                n = from.Read(buffer);
            }
            catch (ErrnoException e)
            {
                return $"{from.Name}: {e.Description}";
            }
            try
            {
                if (n == 0)
                {
                    to.EndWrite();
                    return null;
                }
                to.Write(buffer.AsSpan(0, n));
            }
            catch (ErrnoException e)
            {
                return $"{to.Name}: {e.Description}";
            }
        }
    }
}
