namespace KnockKnock.Tests.Packaging;

/// <summary>
/// The packaging tests need Debian tools that scripts/test.sh installs when it runs as root (and
/// CI always does). As root a missing tool is a failure; otherwise the test skips, saying which.
/// </summary>
internal static class ToolRequirement
{
    public static void Require(params string[] tools)
    {
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(':') ?? [];
        var missing = tools.Where(tool => !path.Concat(["/usr/sbin", "/sbin"]).Any(dir => File.Exists(Path.Combine(dir, tool)))).ToList();
        if (missing.Count == 0)
        {
            return;
        }
        var message = $"{string.Join(", ", missing)} not installed (scripts/test.sh installs the test dependencies when run as root)";
        if (Tmds.Linux.LibC.geteuid() == 0)
        {
            Assert.Fail(message);
        }
        Assert.Ignore("skipped: " + message);
    }
}
