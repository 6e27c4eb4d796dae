using KnockKnock.Daemon.Privileges;

namespace KnockKnock.Tests.Privileges;

[TestFixture]
public sealed class PrivilegeDropStatusTests
{
    private const string Dropped = "Name:\tx\nUid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\nGroups:\t\n"
        + "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\n"
        + "CapAmb:\t0000000000000000\nNoNewPrivs:\t1\n";

    [Test]
    public void A_fully_dropped_status_passes() => Assert.That(PrivilegeDrop.TryCheckStatus(Dropped, 65534, 65534, null, out var problem), Is.True, problem);

    [TestCase("Uid:\t65534\t65534\t0\t65534", "Uid")]
    [TestCase("Gid:\t65534\t0\t65534\t65534", "Gid")]
    [TestCase("Groups:\t0", "Groups")]
    [TestCase("CapEff:\t0000000000000400", "CapEff")]
    [TestCase("CapPrm:\t0000000000000400", "CapPrm")]
    [TestCase("NoNewPrivs:\t0", "NoNewPrivs")]
    public void Any_leftover_privilege_fails(string line, string field)
    {
        var status = string.Join('\n', Dropped.Split('\n').Select(l => l.StartsWith(field + ":", StringComparison.Ordinal) ? line : l));
        Assert.That(PrivilegeDrop.TryCheckStatus(status, 65534, 65534, null, out var problem), Is.False);
        Assert.That(problem, Does.StartWith(field));
    }

    [Test]
    public void A_missing_field_fails()
        => Assert.That(PrivilegeDrop.TryCheckStatus(Dropped.Replace("NoNewPrivs:\t1\n", "", StringComparison.Ordinal), 65534, 65534, null, out _), Is.False);

    [Test]
    public void A_kept_group_must_be_the_only_supplementary_group()
    {
        var kept = Dropped.Replace("Groups:\t\n", "Groups:\t999 \n", StringComparison.Ordinal);
        Assert.That(PrivilegeDrop.TryCheckStatus(kept, 65534, 65534, 999, out var problem), Is.True, problem);
        Assert.That(PrivilegeDrop.TryCheckStatus(kept, 65534, 65534, null, out problem), Is.False, "a group kept although none should be");
        Assert.That(problem, Does.StartWith("Groups"));
        Assert.That(PrivilegeDrop.TryCheckStatus(Dropped, 65534, 65534, 999, out _), Is.False, "the group the source needs is missing");
        Assert.That(PrivilegeDrop.TryCheckStatus(kept.Replace("999 ", "4 999 ", StringComparison.Ordinal), 65534, 65534, 999, out _), Is.False, "one more group");
        Assert.That(PrivilegeDrop.TryCheckStatus(kept.Replace("999 ", "998 ", StringComparison.Ordinal), 65534, 65534, 999, out _), Is.False, "another group");
    }
}
