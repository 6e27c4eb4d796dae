namespace KnockKnock.Daemon.Log;

/// <summary>
/// The kernel's random id of the running boot (/proc/sys/kernel/random/boot_id), as 32 lower-case
/// hex digits: a /dev/kmsg sequence number or a monotonic timestamp means something only within one boot.
/// </summary>
internal static class BootId
{
    public const string Path = "/proc/sys/kernel/random/boot_id";

    public static string Current()
    {
        var text = File.ReadAllText(Path).Trim().Replace("-", "", StringComparison.Ordinal);
        return IsBootId(text) ? text : throw new IOException($"{Path} holds no boot id: '{text}'");
    }

    /// <summary>True for 32 lower-case hex digits.</summary>
    public static bool IsBootId(string text) => text.Length == 32 && text.All(char.IsAsciiHexDigitLower);
}
