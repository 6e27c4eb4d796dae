namespace KnockKnock.Tests.Support;

/// <summary>Guard for tests that need root (raw sockets, namespaces, firewall rules, setuid).</summary>
internal static class Root
{
    /// <summary>Skips the calling test, saying why, unless the process runs as root.</summary>
    public static void Require()
    {
        if (Tmds.Linux.LibC.geteuid() != 0)
        {
            Assert.Ignore("skipped: needs root (network namespaces, raw sockets, firewall rules); run the suite as root");
        }
    }
}
