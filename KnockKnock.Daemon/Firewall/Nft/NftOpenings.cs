namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// nftables, worker side (root): an opening is an element with a timeout in the set for its
/// family; the worker's chain <see cref="NftSet.Chain"/> deletes the element when the first SYN
/// uses it and marks that connection, and the admin's drop-policy chain accepts marked connections
/// (<see cref="NftRuleset"/>). All through one libnftables context at a time, made at the first use
/// and again after each idle release of its cache and of the library (<see cref="ReleaseCaches"/>).
/// </summary>
/// <remarks>
/// What it owns and recreates: the table if it is missing, the sets, and its chain with its rules
/// (<see cref="NftCommands.Ensure"/>). Nothing of that opens anything by itself: a set is only ever
/// looked up by that chain, which has policy accept and only marks; a mark admits a connection only
/// where the admin's own chain accepts it. It never recreates the admin's chains (policy, LOG
/// rules). It notices a loss when an add fails, and at a check: its chain's listing, which names
/// both sets, no longer reads as it did after its own last <see cref="NftCommands.Ensure"/>. A check
/// lists only when the nf_tables generation (<see cref="RulesetGeneration"/>) moved since the
/// listing last read right, so an idle worker makes no libnftables call, and the context an idle
/// release freed stays freed until the next knock or ruleset change.
/// </remarks>
internal sealed class NftOpenings(NftSet set, Action<string> recreated) : IFirewallOpenings
{
    private NftContext? _context;
    private string _chain = "";
    private RulesetGeneration? _generation;
    private uint? _intactAt;

    /// <summary>
    /// Runs <paramref name="commands"/> through the context, made first where there is none: at the
    /// first use (libnftables is loaded then) and after <see cref="ReleaseCaches"/>, on the thread
    /// that keeps using it. A context that cannot be made is a failed command, never an exception
    /// that would end the worker.
    /// </summary>
    private bool Run(string commands, out string output, out string error)
    {
        if (_context is null)
        {
            try
            {
                _context = NftContext.Create();
            }
            catch (InvalidOperationException e)
            {
                output = "";
                error = e.Message;
                return false;
            }
        }
        return _context.TryRun(commands, out output, out error);
    }

    // No flush: every element carries its own timeout, so one left by an earlier worker lives at
    // most until the deadline it was granted, and the kernel drops it then.
    public void Prepare(List<string> notes)
    {
        if (!TryEnsure(out var error))
        {
            throw new InvalidOperationException($"cannot create the sets and chain {NftSet.Chain} in table {set.Family} {set.Table}: {error}");
        }
    }

    public void Reset()
    {
        if (Run(NftCommands.FlushSets(set), out _, out var error))
        {
            return;
        }
        // Gone after a reload: then there is nothing to remove, but the sets come back for later openings.
        if (TryRepair(out var repairError) == RepairOutcome.Failed || !Run(NftCommands.FlushSets(set), out _, out error))
        {
            throw new InvalidOperationException($"cannot flush the openings of table {set.Family} {set.Table}: {(repairError.Length > 0 ? repairError : error)}");
        }
    }

    public bool TryOpen(FirewallOpening opening, out string error)
    {
        if (!set.Holds(opening.Source))
        {
            error = $"table {set.Family} {set.Table} sees no IPv6 packets: set nft_set to an inet table for IPv6 openings";
            return false;
        }
        var add = NftCommands.AddElement(set, opening.Source, opening.Port, opening.Seconds);
        if (Run(add, out _, out error))
        {
            return true;
        }
        // Most often the table or set is gone (a ruleset reload): put it back and add once more.
        _intactAt = null;
        return TryRepair(out var repairError) switch
        {
            RepairOutcome.Recreated => Run(add, out _, out error),
            RepairOutcome.Failed => Fail(repairError, out error),
            _ => false,
        };
    }

    public bool TryClose(FirewallOpening opening, out string error)
        => set.Holds(opening.Source)
            ? Run(NftCommands.DeleteElement(set, opening.Source, opening.Port), out _, out error)
            : Fail("no IPv6 set", out error);

    public RepairOutcome TryRepair(out string error)
    {
        // Read before the listing: a change while it runs moves it again, so the next check lists.
        var generation = ReadGeneration();
        if (generation is { } now && now == _intactAt)
        {
            error = "";
            return RepairOutcome.Intact;
        }
        if (Run(NftCommands.ListChain(set), out var listing, out error) && listing == _chain)
        {
            _intactAt = generation;
            return RepairOutcome.Intact;
        }
        _intactAt = null;
        if (!TryEnsure(out error))
        {
            return RepairOutcome.Failed;
        }
        recreated($"nft: recreated what openings need in table {set.Family} {set.Table} (sets {string.Join(", ", NftCommands.Sets(set).Select(s => s.Name))}, chain {NftSet.Chain}): it was gone or changed, as after a ruleset reload");
        return RepairOutcome.Recreated;
    }

    /// <summary>The nf_tables generation, or null when the kernel does not give it (then every check lists).</summary>
    private uint? ReadGeneration()
    {
        if (_generation is null)
        {
            if (!RulesetGeneration.TryOpen(out var opened, out _))
            {
                return null;
            }
            _generation = opened;
        }
        return _generation.TryRead(out var generation, out _) ? generation : null;
    }

    /// <summary>Creates what is missing, rewrites the chain, and remembers how the chain lists now.</summary>
    private bool TryEnsure(out string error)
    {
        if (!Run(NftCommands.Ensure(set), out _, out error) || !Run(NftCommands.ListChain(set), out var listing, out error))
        {
            return false;
        }
        _chain = listing;
        return true;
    }

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }

    /// <summary>
    /// Frees the context, and with it libnftables' cache and the worker's only reference to the
    /// library, which ld.so then unmaps with the five libraries it needs; the next command loads it
    /// and makes a new context (<see cref="Run"/>). Its netlink socket has no close-on-exec, as the first one had none: the
    /// worker's tools start with no descriptor above 2 (<see cref="FirewallTool"/>).
    /// </summary>
    public void ReleaseCaches()
    {
        _context?.Dispose();
        _context = null;
    }

    public void Dispose()
    {
        _context?.Dispose();
        _generation?.Dispose();
    }
}
