using System.Threading;

namespace KnockKnock.Tests.Support;

/// <summary>
/// Where the client executable under test is. KNOCKKNOCK_BIN_DIR (installed binaries, e.g.
/// NativeAOT ones) wins; otherwise the apphost that the build copies next to the test assembly.
/// </summary>
internal static class ClientBinary
{
    private static readonly Lock s_publishLock = new();
    private static string? s_nativeAot;

    public static string Path
    {
        get
        {
            var directory = Environment.GetEnvironmentVariable("KNOCKKNOCK_BIN_DIR");
            var path = System.IO.Path.Combine(string.IsNullOrEmpty(directory) ? AppContext.BaseDirectory : directory, "knockknock");
            return File.Exists(path) ? path : throw new FileNotFoundException("client executable not found", path);
        }
    }

    /// <summary>
    /// A NativeAOT build of the client (one self-contained file, which file capabilities can be set
    /// on): KNOCKKNOCK_BIN_DIR's if set, else published once per test run into a temporary directory.
    /// </summary>
    public static string NativeAot()
    {
        var directory = Environment.GetEnvironmentVariable("KNOCKKNOCK_BIN_DIR");
        if (!string.IsNullOrEmpty(directory))
        {
            // install.sh puts symlinks in bin/; the binary and its libraries live in lib/knockknock/.
            return new FileInfo(Path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path;
        }
        lock (s_publishLock)
        {
            if (s_nativeAot is null)
            {
                var output = Directory.CreateTempSubdirectory("kk-client-aot-").FullName;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(output, recursive: true);
                var project = System.IO.Path.Combine(RepositoryRoot(), "KnockKnock.Client", "KnockKnock.Client.csproj");
                var result = Command.Run(
                    "dotnet",
                    ["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-p:PublishAot=true", "-p:CppCompilerAndLinker=clang-14", "-o", output, "--nologo", "-v", "q"],
                    TimeSpan.FromMinutes(10));
                if (result.ExitCode != 0)
                {
                    throw new InvalidOperationException($"NativeAOT publish of the client failed: {result}");
                }
                s_nativeAot = System.IO.Path.Combine(output, "knockknock");
            }
            return s_nativeAot;
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "KnockKnock.sln")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException($"no KnockKnock.sln above {AppContext.BaseDirectory}");
    }
}
