using System.Security.Cryptography;
using System.Text;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Crypto.Profiles;

/// <summary>
/// A knock profile directory: `secret` (256-bit key, hex, 0600), `config` (INI [profile]:
/// knock_port, allow, bind_source, protocol) and `counter` (0600). The same files serve the server
/// (/etc/knockknock.d/profiles/NAME/) and the client (~/.knockknock/HOST/). Loading checks
/// permissions like ssh's StrictModes; any problem is one line and exit 2.
/// </summary>
public sealed class Profile : IDisposable
{
    public const string SecretFileName = "secret";
    public const string ConfigFileName = "config";
    public const string Section = "profile";

    private static readonly Dictionary<string, string[]> s_configKeys = new()
    {
        [Section] = ["knock_port", "allow", "bind_source", "protocol"],
    };

    private readonly byte[] _secret;
    private readonly uint _owner;

    /// <summary>The protocol version a profile without a <c>protocol</c> key speaks (profiles made before v2 existed).</summary>
    public const int DefaultProtocol = 1;

    /// <summary>The version <see cref="Create"/> writes by default.</summary>
    public const int NewestProtocol = 2;

    private Profile(string directory, uint owner, byte[] secret, ushort knockPort, PortSet allowed, bool bindSource, int protocol)
    {
        Protocol = protocol;
        Directory = directory;
        Name = System.IO.Path.GetFileName(directory);
        _owner = owner;
        _secret = secret;
        KnockPort = knockPort;
        AllowedPorts = allowed;
        BindSource = bindSource;
    }

    public string Name { get; }

    public string Directory { get; }

    /// <summary>The TCP port the knock SYN is sent to and the firewall LOGs.</summary>
    public ushort KnockPort { get; }

    /// <summary>The ports this profile may open (server side).</summary>
    public PortSet AllowedPorts { get; }

    /// <summary>Whether the MAC covers the knock's source address.</summary>
    public bool BindSource { get; }

    /// <summary>The knock protocol version: 1 (IPv4, IP ID/SEQ/ACK/WINDOW) or 2 (IPv4 and IPv6, the client kernel's own SYN; docs/PROTOCOL.md).</summary>
    public int Protocol { get; }

    /// <summary>Loads a profile owned by the effective user.</summary>
    public static Profile Load(string directory) => Load(directory, Interop.GetEffectiveUserId());

    /// <summary>Loads a profile whose files <paramref name="owner"/> must own.</summary>
    public static Profile Load(string directory, uint owner)
    {
        ArgumentNullException.ThrowIfNull(directory);
        directory = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(directory));
        if (!System.IO.Directory.Exists(directory))
        {
            throw KnockKnockException.Usage($"no profile at {directory}");
        }
        FileSafety.CheckDirectory(directory, owner);
        var configPath = System.IO.Path.Combine(directory, ConfigFileName);
        FileSafety.CheckSettingsFile(configPath, owner);
        var config = IniFile.Load(configPath, s_configKeys);
        var knockPortText = config.Require(Section, "knock_port");
        if (!PortSet.TryParsePort(knockPortText, out var knockPort))
        {
            throw KnockKnockException.Usage($"{configPath}: knock_port must be a port from 1 to 65535, not '{knockPortText}'");
        }
        var allowText = config.Get(Section, "allow") ?? "all";
        if (!PortSet.TryParse(allowText, out var allowed))
        {
            throw KnockKnockException.Usage($"{configPath}: allow must be all or ports and ranges like 22,80,8000-8100, not '{allowText}'");
        }
        var bindSource = config.GetBool(Section, "bind_source", defaultValue: false);
        var protocol = config.GetInt(Section, "protocol", DefaultProtocol, 1, NewestProtocol);
        var secret = ReadSecret(System.IO.Path.Combine(directory, SecretFileName), owner);
        return new Profile(directory, owner, secret, (ushort)knockPort, allowed, bindSource, protocol);
    }

    /// <summary>
    /// Creates a new profile directory with a fresh secret from the OS CSPRNG and counter 0. The files
    /// are written into a temporary sibling directory that is renamed into place, so a failure never
    /// leaves a half-written profile. Refuses an existing directory.
    /// </summary>
    public static void Create(string directory, ushort knockPort, PortSet allowed, bool bindSource, int protocol = NewestProtocol)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(protocol, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(protocol, NewestProtocol);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(allowed);
        ArgumentOutOfRangeException.ThrowIfZero(knockPort);
        directory = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(directory));
        if (System.IO.Directory.Exists(directory) || File.Exists(directory))
        {
            throw KnockKnockException.Usage($"profile {directory} exists already");
        }
        var parent = System.IO.Path.GetDirectoryName(directory)!;
        var staging = System.IO.Path.Combine(parent, "." + System.IO.Path.GetFileName(directory) + ".new-" + Environment.ProcessId);
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        System.IO.Directory.CreateDirectory(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var secret = RandomNumberGenerator.GetBytes(KnockCipher.SecretSize);
            var hex = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(secret) + "\n");
            try
            {
                WriteDurably(System.IO.Path.Combine(staging, SecretFileName), hex, Private);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
                CryptographicOperations.ZeroMemory(hex);
            }
            var config = $"""
                # KnockKnock profile (see profiles/README.md). Copy this directory to the client as ~/.knockknock/HOST/.
                [{Section}]
                # The TCP port the knock SYN goes to; the firewall must LOG SYNs to it.
                knock_port = {knockPort}
                # Ports this profile may open: all, or a list like 22,80,8000-8100 (server side).
                allow = {allowed.Text}
                # yes: the MAC also covers the client's source address (breaks behind changing NAT).
                bind_source = {(bindSource ? "yes" : "no")}
                # The knock protocol: 2 (the SYN looks like the client's own connect(); IPv4 and IPv6)
                # or 1 (IPv4 only; for clients older than version 2 of KnockKnock).
                protocol = {protocol}

                """;
            WriteDurably(System.IO.Path.Combine(staging, ConfigFileName), Encoding.UTF8.GetBytes(config), Private);
            CounterStore.Create(staging, 0);
            System.IO.Directory.Move(staging, directory);
            using var parentHandle = Interop.Open(parent, Tmds.Linux.LibC.O_RDONLY | Tmds.Linux.LibC.O_DIRECTORY | Tmds.Linux.LibC.O_CLOEXEC);
            Interop.Fsync(parentHandle, parent);
        }
        catch
        {
            System.IO.Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>Derives this profile's protocol v1 knock keys.</summary>
    public KnockCipher CreateCipher() => KnockCipher.Create(_secret, BindSource);

    /// <summary>Derives this profile's protocol v2 knock keys for one address family.</summary>
    public KnockCipherV2 CreateCipherV2(KnockFamily family) => KnockCipherV2.Create(_secret, BindSource, family);

    /// <summary>Opens this profile's own counter file (the client's, or the server's seed).</summary>
    public CounterStore OpenCounter() => CounterStore.Open(Directory, _owner);

    /// <summary>Whether <paramref name="name"/> can be a profile directory name: letters, digits, '.', '_', '-'; no leading dot.</summary>
    public static bool IsValidName(string name) =>
        !string.IsNullOrEmpty(name)
        && name.Length <= 64
        && name[0] != '.'
        && name[0] != '-'
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static byte[] ReadSecret(string path, uint owner)
    {
        FileSafety.CheckPrivateFile(path, owner);
        var bytes = File.ReadAllBytes(path);
        try
        {
            var length = bytes.Length > 0 && bytes[^1] == (byte)'\n' ? bytes.Length - 1 : bytes.Length;
            var secret = new byte[KnockCipher.SecretSize];
            if (length != 2 * KnockCipher.SecretSize
                || Convert.FromHexString(Encoding.ASCII.GetString(bytes, 0, length), secret, out _, out var written) != System.Buffers.OperationStatus.Done
                || written != KnockCipher.SecretSize)
            {
                throw KnockKnockException.Usage($"corrupt secret file {path}: expected 64 hex digits (256 bits)");
            }
            return secret;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static void WriteDurably(string path, byte[] content, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode };
        using var stream = new FileStream(path, options);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_secret);
}
