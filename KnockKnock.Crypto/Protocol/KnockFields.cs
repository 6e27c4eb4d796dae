using System.Buffers.Binary;

namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// The 96 header bits that carry a knock (docs/PROTOCOL.md, "Wire format"): IP ID (16) | TCP seq (32)
/// | TCP ack (32) | TCP window (16), which are the 12 knock bytes in that order, big-endian.
/// </summary>
public readonly record struct KnockFields(ushort Id, uint Sequence, uint Acknowledgment, ushort Window)
{
    /// <summary>The size of a knock on the wire, in bytes.</summary>
    public const int Size = 12;

    /// <summary>Reads the four fields from the 12 knock bytes.</summary>
    public static KnockFields Read(ReadOnlySpan<byte> knock)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(knock.Length, Size);
        return new KnockFields(
            BinaryPrimitives.ReadUInt16BigEndian(knock),
            BinaryPrimitives.ReadUInt32BigEndian(knock[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(knock[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(knock[10..]));
    }

    /// <summary>Writes the four fields as the 12 knock bytes.</summary>
    public void Write(Span<byte> knock)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(knock.Length, Size);
        BinaryPrimitives.WriteUInt16BigEndian(knock, Id);
        BinaryPrimitives.WriteUInt32BigEndian(knock[2..], Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(knock[6..], Acknowledgment);
        BinaryPrimitives.WriteUInt16BigEndian(knock[10..], Window);
    }

    public override string ToString() => $"ID={Id} SEQ={Sequence} ACK={Acknowledgment} WINDOW={Window}";
}
