namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>
/// What <c>iptables-save -t filter</c> (or ip6tables-save) shows of the worker's part of one
/// family's filter table (pure; the worker acts on it): whether chain KNOCKKNOCK exists, whether
/// its rules are exactly <see cref="IptablesCommands.ChainLines"/>, whether INPUT jumps to it, and
/// the chain's rules that are not the worker's (removed when the chain is rewritten, and reported).
/// </summary>
internal sealed record IptablesChainState(bool ChainExists, bool RulesIntact, bool JumpExists, IReadOnlyList<string> ForeignRules)
{
    public bool Intact => ChainExists && RulesIntact && JumpExists;

    public static IptablesChainState Read(string save, IptablesFamily family)
    {
        ArgumentNullException.ThrowIfNull(save);
        var rules = new List<string>();
        var (chain, jump, inFilter) = (false, false, false);
        foreach (var raw in save.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('*'))
            {
                inFilter = line == "*filter";
            }
            else if (inFilter && line.StartsWith($":{IptablesCommands.Chain} ", StringComparison.Ordinal))
            {
                chain = true;
            }
            else if (inFilter && line.StartsWith($"-A {IptablesCommands.Chain} ", StringComparison.Ordinal))
            {
                rules.Add(line);
            }
            else if (inFilter && line == IptablesCommands.JumpLine)
            {
                jump = true;
            }
        }
        var expected = IptablesCommands.ChainLines(family);
        return new(chain, rules.SequenceEqual(expected, StringComparer.Ordinal), jump, [.. rules.Where(r => !expected.Contains(r))]);
    }

    /// <summary>What a repair puts back, e.g. "chain KNOCKKNOCK and its rules, the jump from INPUT".</summary>
    public string Missing()
    {
        var parts = new List<string>();
        if (!ChainExists)
        {
            parts.Add($"chain {IptablesCommands.Chain} and its rules");
        }
        else if (!RulesIntact)
        {
            parts.Add($"the rules of chain {IptablesCommands.Chain}");
        }
        if (!JumpExists)
        {
            parts.Add("the jump from INPUT");
        }
        return string.Join(", ", parts);
    }
}
