namespace KnockKnock.Tests.Support;

/// <summary>Finds files of this repository (docs, scripts) from the test's output directory.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "KnockKnock.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("KnockKnock.sln not found above " + AppContext.BaseDirectory);
    }
}
