using System.Net;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Protocol;

/// <summary>The test vectors of docs/PROTOCOL.md, read from the document itself.</summary>
[TestFixture]
public sealed class ProtocolVectorTests
{
    internal sealed record Vector(string Secret, ulong Counter, ushort KnockPort, ushort Port, HostAddress Source, bool Bind, KnockFields Fields);

    internal static IReadOnlyList<Vector> Vectors { get; } = ReadVectors();

    private static IReadOnlyList<Vector> ReadVectors()
    {
        var text = File.ReadAllText(Repository.File("docs", "PROTOCOL.md"));
        var begin = text.IndexOf("<!-- vectors:begin -->", StringComparison.Ordinal);
        var end = text.IndexOf("<!-- vectors:end -->", StringComparison.Ordinal);
        var rows = text[begin..end].Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| secret", StringComparison.Ordinal));
        return rows.Select(row =>
        {
            var c = row.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var bind = c[4] != "-";
            var source = bind ? HostAddress.FromIPAddress(IPAddress.Parse(c[4])) : default;
            return new Vector(c[0], ulong.Parse(c[1]), ushort.Parse(c[2]), ushort.Parse(c[3]), source, bind,
                new KnockFields(ushort.Parse(c[5]), uint.Parse(c[6]), uint.Parse(c[7]), ushort.Parse(c[8])));
        }).ToList();
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
}
