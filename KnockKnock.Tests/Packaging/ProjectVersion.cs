using System.Text.RegularExpressions;
using System.Xml.Linq;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Packaging;

/// <summary>The version as the repository states it: Directory.Build.props, and the packages' changelog.</summary>
internal static partial class ProjectVersion
{
    /// <summary>&lt;Version&gt; of Directory.Build.props, the one place the version is set.</summary>
    public static string FromBuildProps()
        => XDocument.Load(Repository.File("Directory.Build.props")).Descendants("Version").Single().Value;

    /// <summary>The version of the top entry of packaging/debian/changelog ("knockknock (VERSION) ...").</summary>
    public static string FromChangelog()
    {
        var first = File.ReadLines(Repository.File("packaging", "debian", "changelog")).First();
        var match = ChangelogHeader().Match(first);
        return match.Success ? match.Groups[1].Value : throw new InvalidDataException($"not a changelog entry header: {first}");
    }

    [GeneratedRegex(@"^knockknock \(([^)\s]+)\) ")]
    private static partial Regex ChangelogHeader();
}
