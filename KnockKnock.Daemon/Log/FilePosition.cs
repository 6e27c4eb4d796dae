using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace KnockKnock.Daemon.Log;

/// <summary>
/// Where <see cref="FileSource"/> stands, saved between runs: <c>file PATH_HASH INODE OFFSET HEAD</c>.
/// PATH_HASH names the configured path (a position of another file is not used), INODE the file read,
/// OFFSET the end of the last line read, HEAD the file's first line (at most
/// <see cref="HeadLength"/> bytes, and never past OFFSET), so that a file replaced under the same
/// inode number is noticed. Both hashes are the first 8 bytes of SHA-256, in lower-case hex.
/// </summary>
internal readonly record struct FilePosition(string PathHash, ulong Inode, long Offset, string Head)
{
    public const string Kind = "file";

    /// <summary>How much of the file's start <see cref="Head"/> covers at most.</summary>
    public const int HeadLength = 256;

    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{Kind} {PathHash} {Inode} {Offset} {Head}");

    /// <summary>Parses what <see cref="Format"/> wrote; false for anything else.</summary>
    public static bool TryParse(string text, out FilePosition position)
    {
        position = default;
        if (text.Split(' ') is not [Kind, var path, var inodeText, var offsetText, var head]
            || !IsHash(path) || !IsHash(head)
            || !KmsgPosition.TryParseCanonical(inodeText, out var inode)
            || !KmsgPosition.TryParseCanonical(offsetText, out var offset) || offset > long.MaxValue)
        {
            return false;
        }
        position = new FilePosition(path, inode, (long)offset, head);
        return true;
    }

    public static string HashPath(string path) => Hash(Encoding.UTF8.GetBytes(path));

    /// <summary>The hash of a file's first line, given its first bytes (the line is cut at <see cref="HeadLength"/> bytes).</summary>
    public static string HashHead(ReadOnlySpan<byte> start)
    {
        start = start[..Math.Min(start.Length, HeadLength)];
        var newline = start.IndexOf((byte)'\n');
        return Hash(newline < 0 ? start : start[..(newline + 1)]);
    }

    private static string Hash(ReadOnlySpan<byte> bytes)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, digest);
        return Convert.ToHexStringLower(digest[..8]);
    }

    private static bool IsHash(string text) => text.Length == 16 && text.All(char.IsAsciiHexDigitLower);
}
