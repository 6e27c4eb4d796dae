using System.Buffers.Binary;
using Tmds.Linux;

namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// The nf_tables ruleset generation of this network namespace: a number the kernel increments at
/// every committed change of any nf_tables table (nft, iptables-nft, firewalld alike), read with one
/// netlink request, NFT_MSG_GETGEN, and its NFT_MSG_NEWGEN answer (about 10 µs). While it stays the
/// same, no rule changed. ipset elements are not nf_tables objects: adding them changes nothing here.
/// </summary>
internal sealed class RulesetGeneration : IDisposable
{
    private const int NetlinkNetfilter = 12;                 // NETLINK_NETFILTER
    private const ushort GetGeneration = (10 << 8) | 16;     // NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETGEN
    private const ushort NewGeneration = (10 << 8) | 15;     // ... | NFT_MSG_NEWGEN
    private const ushort NetlinkError = 2;                   // NLMSG_ERROR
    private const ushort GenerationId = 1;                   // NFTA_GEN_ID, a big-endian u32
    private const int HeaderLength = 20;                     // struct nlmsghdr (16) + struct nfgenmsg (4)
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(2);

    private readonly FileDescriptorHandle _socket;
    private readonly byte[] _reply = new byte[256];
    private uint _sequence;

    private RulesetGeneration(FileDescriptorHandle socket) => _socket = socket;

    /// <summary>Opens the netlink socket (root only); false with the reason when the kernel refuses it.</summary>
    public static bool TryOpen(out RulesetGeneration generation, out string error)
    {
        generation = null!;
        if (!Interop.TrySocket(LibC.AF_NETLINK, LibC.SOCK_RAW, NetlinkNetfilter, out var socket, out var errno))
        {
            error = "netlink socket: " + System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);
            return false;
        }
        generation = new RulesetGeneration(socket);
        error = "";
        return true;
    }

    /// <summary>Asks the kernel for the current generation; false with the reason when it does not answer with one.</summary>
    public bool TryRead(out uint generation, out string error)
    {
        generation = 0;
        var sequence = ++_sequence;
        try
        {
            Interop.SendMessage(_socket, Request(sequence));
            if ((Interop.Poll(_socket, LibC.POLLIN, (int)s_timeout.TotalMilliseconds, "netlink") & LibC.POLLIN) == 0)
            {
                error = "no answer to NFT_MSG_GETGEN";
                return false;
            }
            var length = Interop.ReceiveMessage(_socket, _reply);
            return TryParseReply(_reply.AsSpan(0, Math.Min(length, _reply.Length)), sequence, out generation, out error);
        }
        catch (ErrnoException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>NFT_MSG_GETGEN: a netlink header (host byte order) and an nfgenmsg for AF_UNSPEC, version 0.</summary>
    internal static byte[] Request(uint sequence)
    {
        var message = new byte[HeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(message, HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), GetGeneration);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), 1);          // NLM_F_REQUEST
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), sequence);
        return message;
    }

    /// <summary>Reads NFTA_GEN_ID out of the NFT_MSG_NEWGEN answer to request <paramref name="sequence"/>.</summary>
    internal static bool TryParseReply(ReadOnlySpan<byte> reply, uint sequence, out uint generation, out string error)
    {
        generation = 0;
        var length = reply.Length < 16 ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(reply);
        if (length < 16 || length > reply.Length)
        {
            error = "short netlink answer";
            return false;
        }
        var type = BinaryPrimitives.ReadUInt16LittleEndian(reply[4..]);
        if (BinaryPrimitives.ReadUInt32LittleEndian(reply[8..]) != sequence)
        {
            error = "netlink answer to another request";
            return false;
        }
        if (type == NetlinkError && length >= 20)
        {
            var errno = -BinaryPrimitives.ReadInt32LittleEndian(reply[16..]);
            error = "NFT_MSG_GETGEN: " + System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);
            return false;
        }
        if (type != NewGeneration || length < HeaderLength)
        {
            error = $"unexpected netlink answer type {type}";
            return false;
        }
        var attributes = reply[HeaderLength..(int)length];
        while (attributes.Length >= 4)
        {
            var attributeLength = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            var attributeType = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]) & 0x3fff;
            if (attributeLength < 4 || attributeLength > attributes.Length)
            {
                break;
            }
            if (attributeType == GenerationId && attributeLength == 8)
            {
                generation = BinaryPrimitives.ReadUInt32BigEndian(attributes[4..]);
                error = "";
                return true;
            }
            var aligned = (attributeLength + 3) & ~3;
            attributes = attributes[Math.Min(aligned, attributes.Length)..];
        }
        error = "no NFTA_GEN_ID in the answer";
        return false;
    }

    public void Dispose() => _socket.Dispose();
}
