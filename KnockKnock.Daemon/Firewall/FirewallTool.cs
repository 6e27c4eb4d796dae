using System.Diagnostics;

namespace KnockKnock.Daemon.Firewall;

/// <summary>Runs a firewall tool: absolute path, argv list, no shell, minimal environment, time limit.</summary>
internal static class FirewallTool
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    public static bool TryRun(string[] argv, out string error) => TryRun(argv, out _, out error);

    /// <summary>Runs the tool and also returns what it printed on stdout (e.g. a ruleset listing).</summary>
    public static bool TryRun(string[] argv, out string output, out string error)
    {
        Debug.Assert(argv.Length > 0 && Path.IsPathFullyQualified(argv[0]));
        var info = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in argv.AsSpan(1))
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        info.Environment["LC_ALL"] = "C";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {argv[0]}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_timeout))
        {
            process.Kill();
            process.WaitForExit();
            error = $"{Path.GetFileName(argv[0])} timed out";
            output = "";
            return false;
        }
        output = stdout.Result;
        var firstLine = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        error = process.ExitCode == 0 ? "" : $"{Path.GetFileName(argv[0])} exited {process.ExitCode}: {firstLine ?? "no message"}";
        return process.ExitCode == 0;
    }
}
