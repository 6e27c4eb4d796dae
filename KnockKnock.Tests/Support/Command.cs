using System.Diagnostics;

namespace KnockKnock.Tests.Support;

/// <summary>The outcome of a finished child process.</summary>
internal sealed record CommandResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {StdOut}\nstderr: {StdErr}";

    /// <summary>This result, or an exception saying how the command failed.</summary>
    public CommandResult Check() => ExitCode == 0 ? this : throw new InvalidOperationException($"command failed: {this}");
}

/// <summary>Runs child processes with an argv (never a shell) and a time limit.</summary>
internal static class Command
{
    public static CommandResult Run(string file, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? environment = null, bool closeInput = false, string? input = null)
    {
        using var process = Start(file, args, environment, closeInput, input);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }
        return new CommandResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static CommandResult Run(string file, params string[] args) => Run(file, (IEnumerable<string>)args);

    /// <summary>Runs and asserts exit 0; returns stdout.</summary>
    public static string Check(string file, params string[] args)
    {
        var result = Run(file, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {result}");
        }
        return result.StdOut;
    }

    /// <summary>
    /// Starts a long-running child with redirected output; the caller owns (and must end) it.
    /// Standard input is inherited, or with <paramref name="closeInput"/> an empty pipe, or a pipe
    /// that carries <paramref name="input"/> and then ends.
    /// </summary>
    public static Process Start(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null, bool closeInput = false, string? input = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = closeInput || input is not null,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }
        if (closeInput || input is not null)
        {
            process.StandardInput.Close();
        }
        return process;
    }
}
