namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>
/// iptables, worker side (root): an opening is an element with a timeout in the ipset of its family
/// (libipset, in-process); chain KNOCKKNOCK in iptables and in ip6tables turns a set element into
/// one admitted connection (<see cref="IptablesCommands"/>). Openings never change a rule, so the
/// chain is rewritten only when it is not what it should be.
/// </summary>
/// <remarks>
/// What it owns and recreates: both sets, chain KNOCKKNOCK with its three rules, and the jump to it
/// at the top of INPUT, per family. With empty sets that accepts only connections it marked itself;
/// it never recreates the admin's rules (policy, LOG). Before each opening and at each check it
/// reads the nf_tables generation (<see cref="RulesetGeneration"/>): only when it moved since the
/// last time all was in place does it read iptables-save and ip6tables-save, and repair.
/// </remarks>
internal sealed class IptablesOpenings(Action<string> recreated) : IFirewallOpenings
{
    private IpsetSession? _ipset;
    private RulesetGeneration? _generation;
    private uint? _intactAt;

    /// <summary>Made at the first use (libipset is loaded then), on the thread that keeps using it.</summary>
    private IpsetSession Ipset => _ipset ??= IpsetSession.Create();

    private RulesetGeneration Generation => _generation ??= RulesetGeneration.TryOpen(out var generation, out var error)
        ? generation
        : throw new InvalidOperationException($"cannot read the nf_tables generation: {error}");

    // No flush: every element carries its own timeout, so one left by an earlier worker lives at
    // most until the deadline it was granted, and the kernel drops it then.
    public void Prepare(List<string> notes)
    {
        foreach (var family in IptablesFamily.Both)
        {
            if (!Ipset.TryCreate(family, out var error))
            {
                throw new InvalidOperationException($"{error} (an ipset of that name with other parameters? see knockknock-daemon rules)");
            }
        }
        if (!TryCheck(out var repaired, out var failure))
        {
            throw new InvalidOperationException(failure);
        }
        if (repaired is not null)
        {
            notes.Add($"iptables: set up {repaired}");
        }
    }

    public void Reset()
    {
        foreach (var family in IptablesFamily.Both)
        {
            if (!Ipset.TryFlush(family, out var error)
                && (TryRepair(out var repairError) == RepairOutcome.Failed || !Ipset.TryFlush(family, out error)))
            {
                throw new InvalidOperationException(repairError.Length > 0 ? repairError : error);
            }
        }
    }

    public bool TryOpen(FirewallOpening opening, out string error)
    {
        if (TryRepair(out error) == RepairOutcome.Failed)
        {
            return false;
        }
        if (Ipset.TryAdd(opening.Source, opening.Port, opening.Seconds, out error))
        {
            return true;
        }
        // The set is gone only after its rules went (a rule keeps it alive): check everything again.
        _intactAt = null;
        return TryRepair(out var repairError) switch
        {
            RepairOutcome.Recreated => Ipset.TryAdd(opening.Source, opening.Port, opening.Seconds, out error),
            RepairOutcome.Failed => Fail(repairError, out error),
            _ => false,
        };
    }

    public bool TryClose(FirewallOpening opening, out string error) => Ipset.TryDelete(opening.Source, opening.Port, out error);

    public RepairOutcome TryRepair(out string error)
    {
        if (!TryCheck(out var repaired, out error))
        {
            return RepairOutcome.Failed;
        }
        if (repaired is null)
        {
            return RepairOutcome.Intact;
        }
        recreated($"iptables: recreated what openings need, gone or changed as after a ruleset reload: {repaired}");
        return RepairOutcome.Recreated;
    }

    /// <summary>
    /// Puts back what is missing in either family; <paramref name="repaired"/> says what it put back
    /// (<c>IPv4: chain KNOCKKNOCK and its rules; ...</c>), or is null when all was in place. Costs one
    /// netlink request while the generation stays where all was last in place.
    /// </summary>
    private bool TryCheck(out string? repaired, out string error)
    {
        repaired = null;
        if (!TryRead(out var states, out var generation, out error))
        {
            return false;
        }
        if (states.All(s => s.State.Intact))
        {
            _intactAt = generation;
            return true;
        }
        if (!TryFix(states, out error))
        {
            return false;
        }
        repaired = string.Join("; ", states.Where(s => !s.State.Intact).Select(s => $"{s.Family}: {s.State.Missing()}"
            + (s.State.ForeignRules.Count > 0 ? $" (removed from it: {string.Join(" | ", s.State.ForeignRules)})" : "")));
        // Read again: proves the repair, and records the generation it left.
        if (!TryRead(out states, out generation, out error))
        {
            return false;
        }
        if (!states.All(s => s.State.Intact))
        {
            error = $"chain {IptablesCommands.Chain} or the jump to it is still not in place after a repair";
            return false;
        }
        _intactAt = generation;
        return true;
    }

    /// <summary>The generation, and what both families' filter tables show unless it is where all was last in place (then no state: all intact).</summary>
    private bool TryRead(out List<(IptablesFamily Family, IptablesChainState State)> states, out uint generation, out string error)
    {
        states = [];
        generation = 0;
        if (!Generation.TryRead(out generation, out error))
        {
            error = $"cannot read the nf_tables generation: {error}";
            return false;
        }
        if (generation == _intactAt)
        {
            error = "";
            return true;
        }
        foreach (var family in IptablesFamily.Both)
        {
            if (!FirewallTool.TryRun(IptablesCommands.SaveFilter(family), out var save, out error))
            {
                return false;
            }
            states.Add((family, IptablesChainState.Read(save, family)));
        }
        return true;
    }

    private bool TryFix(List<(IptablesFamily Family, IptablesChainState State)> states, out string error)
    {
        error = "";
        foreach (var (family, state) in states.Where(s => !s.State.Intact))
        {
            // The rules name the set: it must exist first (a reload may have destroyed it after the rules went).
            if (!Ipset.TryCreate(family, out error))
            {
                return false;
            }
            List<string[]> commands = [];
            if (!state.ChainExists)
            {
                commands.Add(IptablesCommands.NewChain(family));
            }
            if (!state.RulesIntact)
            {
                if (state.ChainExists)
                {
                    commands.Add(IptablesCommands.FlushChain(family));
                }
                commands.AddRange(IptablesCommands.AppendChainRules(family));
            }
            if (!state.JumpExists)
            {
                commands.Add(IptablesCommands.InsertJump(family));
            }
            foreach (var argv in commands)
            {
                if (!FirewallTool.TryRun(argv, out error))
                {
                    error = $"{string.Join(' ', argv)}: {error}";
                    return false;
                }
            }
        }
        return true;
    }

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }

    /// <summary>Nothing to drop: a libipset session keeps no cache of the set's elements.</summary>
    public void ReleaseCaches()
    {
    }

    public void Dispose()
    {
        _ipset?.Dispose();
        _generation?.Dispose();
    }
}
