namespace KnockKnock.Tests.Support;

/// <summary>Test addresses from their canonical text.</summary>
internal static class Addresses
{
    public static HostAddress Of(string text)
        => HostAddress.TryParse(text, out var address) ? address : throw new ArgumentException($"not a canonical address: {text}", nameof(text));
}
