extern alias client;

using client::KnockKnock.Client;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Tests.Support;

/// <summary>
/// Hand-made protocol v2 knock SYNs for tests that must send what the client would not (tampered,
/// replayed, misdirected, from another host): a real Linux 6.18 connect() SYN captured on a veth
/// (MSS 1460 / 1440, SACK_PERM, TS, NOP, WS 10) given the knock's addresses, ports and fields by the
/// client's own <see cref="TcpSyn"/>. Sent with <c>ChildProcess.RunIn(ns, "send-raw", ...)</c>.
/// </summary>
internal static class KnockSyn
{
    private const string IPv4Capture = "4500003c1b64400040069b54c0000201c0000202bcac1f4029591c4900000000a002faf084320000020405b40402080a9a26702e000000000103030a";
    private const string IPv6Capture = "600792ce0028064020010db800050000000000000000000120010db8000500000000000000000002cab41f40b5d69b9600000000a002fd205bad0000020405a00402080ab29f8348000000000103030a";

    /// <summary>The SYN as hex for the send-raw child.</summary>
    public static string Hex(string source, string destination, ushort sourcePort, ushort knockPort, KnockFieldsV2 fields)
        => Convert.ToHexString(Build(Addresses.Of(source), Addresses.Of(destination), sourcePort, knockPort, fields).Bytes);

    public static TcpSyn Build(HostAddress source, HostAddress destination, ushort sourcePort, ushort knockPort, KnockFieldsV2 fields)
    {
        var capture = Convert.FromHexString(source.IsIPv4 ? IPv4Capture : IPv6Capture);
        return TcpSyn.TryRead(capture, out var template)
            ? template.ToKnock(source, destination, sourcePort, knockPort, null, fields)
            : throw new InvalidOperationException("the captured SYN does not read as one");
    }

    /// <summary>Every copy of <paramref name="fields"/> with one carrying bit flipped: 16 + 32 + 32 over IPv4, 20 + 32 + 32 over IPv6.</summary>
    public static IEnumerable<KnockFieldsV2> EveryBitFlipped(KnockFieldsV2 fields, bool ipv6)
    {
        for (var bit = 0; bit < (ipv6 ? 20 : 16); bit++)
        {
            yield return fields with { Carrier = fields.Carrier ^ (1u << bit) };
        }
        for (var bit = 0; bit < 32; bit++)
        {
            yield return fields with { Sequence = fields.Sequence ^ (1u << bit) };
        }
        for (var bit = 0; bit < 32; bit++)
        {
            yield return fields with { Timestamp = fields.Timestamp ^ (1u << bit) };
        }
    }
}
