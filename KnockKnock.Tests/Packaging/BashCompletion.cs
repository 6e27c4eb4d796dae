using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Packaging;

/// <summary>
/// Runs the client's bash completion function the way bash does on TAB: a plain `bash --norc`
/// sources the script, sets COMP_WORDS and COMP_CWORD, calls _knockknock and prints COMPREPLY.
/// </summary>
internal static class BashCompletion
{
    private const string Script = """
        source "$1"
        shift
        cd "$1"
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        _knockknock
        printf '%s\n' "${COMPREPLY[@]}"
        """;

    /// <summary>The completions for the last of <paramref name="words"/> (the word under the cursor), sorted.</summary>
    public static string[] Complete(string completionFile, string home, string workingDirectory, params string[] words)
    {
        var result = Command.Run(
            "bash",
            ["--norc", "--noprofile", "-c", Script, "bash", completionFile, workingDirectory, .. words],
            environment: new Dictionary<string, string> { ["HOME"] = home });
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.StdErr, Is.Empty, "the completion function wrote to stderr");
        return result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
    }
}
