using System.Net;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Protocol;

/// <summary>
/// The test vectors of docs/PROTOCOL.md, read from the document itself, for both versions: the C#
/// code must produce and open each, and scripts/protocol-vector.sh (the OpenSSL command line, no C#)
/// must recompute each from its inputs.
/// </summary>
[TestFixture]
public sealed class ProtocolVectorTests
{
    internal sealed record Vector(string Secret, ulong Counter, ushort KnockPort, ushort Port, HostAddress Source, bool Bind, KnockFields Fields, string[] Row);

    internal sealed record VectorV2(string Secret, ulong Counter, ushort KnockPort, ushort Port, KnockFamily Family, HostAddress Source, bool Bind, KnockFieldsV2 Fields, string[] Row);

    internal static IReadOnlyList<Vector> Vectors { get; } = Rows("vectors").Select(c =>
    {
        var bind = c[4] != "-";
        var source = bind ? HostAddress.FromIPAddress(IPAddress.Parse(c[4])) : default;
        return new Vector(c[0], ulong.Parse(c[1]), ushort.Parse(c[2]), ushort.Parse(c[3]), source, bind,
            new KnockFields(ushort.Parse(c[5]), uint.Parse(c[6]), uint.Parse(c[7]), ushort.Parse(c[8])), c);
    }).ToList();

    internal static IReadOnlyList<VectorV2> VectorsV2 { get; } = Rows("vectors-v2").Select(c =>
    {
        var bind = c[5] != "-";
        var source = bind ? HostAddress.FromIPAddress(IPAddress.Parse(c[5])) : default;
        var family = c[4] switch { "ipv4" => KnockFamily.IPv4, "ipv6" => KnockFamily.IPv6, _ => throw new FormatException(c[4]) };
        return new VectorV2(c[0], ulong.Parse(c[1]), ushort.Parse(c[2]), ushort.Parse(c[3]), family, source, bind,
            new KnockFieldsV2(uint.Parse(c[6]), uint.Parse(c[7]), uint.Parse(c[8])), c);
    }).ToList();

    /// <summary>The cells of each row of the table between <c>&lt;!-- NAME:begin --&gt;</c> and <c>&lt;!-- NAME:end --&gt;</c>.</summary>
    private static IEnumerable<string[]> Rows(string name)
    {
        var text = File.ReadAllText(Repository.File("docs", "PROTOCOL.md"));
        var begin = text.IndexOf($"<!-- {name}:begin -->", StringComparison.Ordinal);
        var end = text.IndexOf($"<!-- {name}:end -->", StringComparison.Ordinal);
        Assert.That(begin, Is.Not.Negative.And.LessThan(end), $"no {name} table in docs/PROTOCOL.md");
        return text[begin..end].Split('\n')
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| secret", StringComparison.Ordinal))
            .Select(row => row.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToList();
    }

    [Test]
    public void The_document_has_at_least_five_vectors_including_a_bound_source()
    {
        Assert.That(Vectors, Has.Count.GreaterThanOrEqualTo(5));
        Assert.That(Vectors.Count(v => v.Bind), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void Seal_produces_each_documented_vector()
    {
        foreach (var v in Vectors)
        {
            using var cipher = KnockCipher.Create(Convert.FromHexString(v.Secret), v.Bind);
            Assert.That(cipher.Seal(v.Counter, v.KnockPort, v.Port, v.Source), Is.EqualTo(v.Fields), $"counter {v.Counter}");
        }
    }

    [Test]
    public void Open_recovers_port_and_counter_of_each_documented_vector()
    {
        foreach (var v in Vectors)
        {
            using var cipher = KnockCipher.Create(Convert.FromHexString(v.Secret), v.Bind);
            var first = v.Counter >= 3 ? v.Counter - 3 : 0;
            Assert.That(cipher.TryOpen(v.Fields, first, 20, v.KnockPort, v.Source, out var counter, out var port), Is.True);
            Assert.That((counter, port), Is.EqualTo((v.Counter, v.Port)));
        }
    }

    [Test]
    public void The_document_has_v2_vectors_for_both_families_bound_and_unbound()
    {
        Assert.That(VectorsV2.Select(v => (v.Family, v.Bind)).Distinct().Count(), Is.EqualTo(4));
    }

    [Test]
    public void Seal_produces_each_documented_v2_vector()
    {
        foreach (var v in VectorsV2)
        {
            using var cipher = KnockCipherV2.Create(Convert.FromHexString(v.Secret), v.Bind, v.Family);
            Assert.That(cipher.Seal(v.Counter, v.KnockPort, v.Port, v.Source), Is.EqualTo(v.Fields), string.Join(" | ", v.Row));
        }
    }

    [Test]
    public void Open_recovers_port_and_counter_of_each_documented_v2_vector()
    {
        foreach (var v in VectorsV2)
        {
            using var cipher = KnockCipherV2.Create(Convert.FromHexString(v.Secret), v.Bind, v.Family);
            var first = v.Counter >= 3 ? v.Counter - 3 : 0;
            var source = v.Bind ? v.Source : v.Family == KnockFamily.IPv4 ? Addresses.Of("198.18.0.9") : Addresses.Of("2001:db8::9");
            Assert.That(cipher.TryOpen(v.Fields, first, 20, v.KnockPort, source, out var counter, out var port), Is.True, string.Join(" | ", v.Row));
            Assert.That((counter, port), Is.EqualTo((v.Counter, v.Port)));
        }
    }

    /// <summary>
    /// Where the CPU has AES-NI the AES is Nettle's; without it the BCL's (OpenSSL, constant-time
    /// vpaes) instead of Nettle's table code (Aes256Key). The runtime told that there is no AES-NI
    /// (DOTNET_EnableAES=0) takes the other path, and both seal every vector alike.
    /// </summary>
    [Test]
    public void Without_AES_NI_every_vector_is_sealed_alike_through_the_BCL_instead_of_Nettle()
    {
        Assume.That(System.Runtime.Intrinsics.X86.Aes.IsSupported, "this machine has no AES-NI: only the BCL's path can run");
        var expected = Vectors.Select(v => v.Fields.ToString()).Concat(VectorsV2.Select(v => v.Fields.ToString())).ToList();
        var withAesNi = ChildProcess.Run(new Dictionary<string, string>(), "seal-vectors");
        var withoutAesNi = ChildProcess.Run(new Dictionary<string, string> { ["DOTNET_EnableAES"] = "0" }, "seal-vectors");
        foreach (var (run, library) in new[] { (withAesNi, "aes: nettle"), (withoutAesNi, "aes: nettle openssl") })
        {
            Assert.That(run.ExitCode, Is.Zero, run.ToString());
            var lines = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines[..^1], Is.EqualTo(expected), run.ToString());
            // Nettle is loaded on both paths: the HKDF is always its HMAC-SHA256 (no table lookups).
            Assert.That(lines[^1], Is.EqualTo(library));
        }
    }

    [Test]
    public void The_OpenSSL_script_recomputes_every_vector_of_both_versions()
    {
        foreach (var v in Vectors)
        {
            string[] args = [v.Secret, v.Row[1], v.Row[2], v.Row[3], .. v.Bind ? new[] { v.Row[4] } : []];
            Assert.That(Script(args), Is.EqualTo($"{v.Fields.Id} {v.Fields.Sequence} {v.Fields.Acknowledgment} {v.Fields.Window}"), string.Join(' ', args));
        }
        foreach (var v in VectorsV2)
        {
            string[] args = ["--v2", v.Row[4], v.Secret, v.Row[1], v.Row[2], v.Row[3], .. v.Bind ? new[] { v.Row[5] } : []];
            Assert.That(Script(args), Is.EqualTo($"{v.Fields.Carrier} {v.Fields.Sequence} {v.Fields.Timestamp}"), string.Join(' ', args));
        }
    }

    private static string Script(string[] args)
    {
        var result = Command.Run(Repository.File("scripts", "protocol-vector.sh"), args);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return result.StdOut.TrimEnd('\n');
    }
}
