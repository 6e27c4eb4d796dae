// TEMPORARY: stands in for the KnockKnock.Crypto API the lead is writing on main, with the agreed
// signatures. Deleted when main is merged. Not a real cipher: do not ship.
#pragma warning disable CA2014, CA1001, CA1024, CA1065, CA1822, CA2000, CA5350, IDE0060
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace KnockKnock.Crypto;

public readonly record struct KnockFields(ushort Id, uint Sequence, uint Acknowledgment, ushort Window);

public static class ExitCodes
{
    public const int Ok = 0, Failure = 1, Usage = 2, NoPrivilege = 3;
}

public sealed class KnockKnockException : Exception
{
    public KnockKnockException(int exitCode, string message) : base(message) => ExitCode = exitCode;
    public int ExitCode { get; }
}

public sealed class KnockCipher : IDisposable
{
    private readonly byte[] _secret;
    private readonly bool _bind;
    private KnockCipher(byte[] secret, bool bind) { _secret = secret; _bind = bind; }
    public static KnockCipher Create(ReadOnlySpan<byte> secret, bool bindSource) => new(secret.ToArray(), bindSource);

    public KnockFields Seal(ulong counter, ushort knockPort, ushort port, uint sourceAddress)
    {
        Span<byte> block = stackalloc byte[32];
        Mac(counter, knockPort, _bind ? sourceAddress : 0, block);
        var c = unchecked((ushort)counter);
        var p = (ushort)(port ^ BinaryPrimitives.ReadUInt16BigEndian(block));
        return new KnockFields(BinaryPrimitives.ReadUInt16BigEndian(block[2..]),
            unchecked((uint)(c << 16 | p)), BinaryPrimitives.ReadUInt32BigEndian(block[4..]), BinaryPrimitives.ReadUInt16BigEndian(block[8..]));
    }

    public bool TryOpen(in KnockFields fields, ulong firstCounter, int window, ushort knockPort, uint sourceAddress, out ulong matchedCounter, out ushort port)
    {
        for (var c = firstCounter; c < firstCounter + (ulong)window; c++)
        {
            Span<byte> block = stackalloc byte[32];
            Mac(c, knockPort, _bind ? sourceAddress : 0, block);
            var p = (ushort)((fields.Sequence & 0xFFFF) ^ BinaryPrimitives.ReadUInt16BigEndian(block));
            if (Seal(c, knockPort, p, sourceAddress) == fields)
            {
                matchedCounter = c;
                port = p;
                return true;
            }
        }
        matchedCounter = 0;
        port = 0;
        return false;
    }

    private void Mac(ulong counter, ushort knockPort, uint source, Span<byte> output)
    {
        Span<byte> input = stackalloc byte[14];
        BinaryPrimitives.WriteUInt64BigEndian(input, counter);
        BinaryPrimitives.WriteUInt16BigEndian(input[8..], knockPort);
        BinaryPrimitives.WriteUInt32BigEndian(input[10..], source);
        HMACSHA256.HashData(_secret, input, output);
    }

    public void Dispose() { }
}

public sealed class Profile
{
    private byte[] _secret = [];
    public string Name { get; private set; } = "";
    public string Directory { get; private set; } = "";
    public ushort KnockPort { get; private set; }
    public bool BindSource { get; private set; }

    public static Profile Load(string directory)
    {
        try
        {
            var config = File.ReadAllLines(Path.Combine(directory, "config"))
                .Select(l => l.Split('=', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
            return new Profile
            {
                Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory)),
                Directory = directory,
                KnockPort = ushort.Parse(config["knock_port"]),
                BindSource = config.TryGetValue("bind_source", out var b) && b == "true",
                _secret = Convert.FromHexString(File.ReadAllText(Path.Combine(directory, "secret")).Trim()),
            };
        }
        catch (Exception e) when (e is IOException or FormatException or KeyNotFoundException or UnauthorizedAccessException)
        {
            throw new KnockKnockException(ExitCodes.Usage, $"profile {directory}: {e.Message}");
        }
    }

    public KnockCipher CreateCipher() => KnockCipher.Create(_secret, BindSource);
    public CounterStore OpenCounter() => new(Path.Combine(Directory, "counter"));
}

public sealed class CounterStore : IDisposable
{
    private readonly string _path;
    internal CounterStore(string path) => _path = path;

    public ulong Reserve()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var lockFile = new FileStream(_path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                var c = File.Exists(_path) ? ulong.Parse(File.ReadAllText(_path).Trim()) : 0;
                File.WriteAllText(_path + ".tmp", (c + 1).ToString());
                File.Move(_path + ".tmp", _path, overwrite: true);
                return c;
            }
            catch (IOException) when (attempt < 1000)
            {
                Thread.Sleep(2);
            }
        }
    }

    public void Dispose() { }
}

public static class ProfileFiles
{
    public static void Create(string directory, ushort knockPort, bool bindSource = false, byte[]? secret = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config"), $"knock_port={knockPort}\nbind_source={(bindSource ? "true" : "false")}\n");
        File.WriteAllText(Path.Combine(directory, "secret"), Convert.ToHexString(secret ?? RandomNumberGenerator.GetBytes(32)));
    }
}
