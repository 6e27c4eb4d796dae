using KnockKnock.Daemon.Worker;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Worker;

/// <summary>
/// The root worker is what an auditor reads first: its code (namespaces Worker and Firewall)
/// may use only itself, the BCL, libc bindings and the daemon's Interop shell. Checked on the
/// compiled assembly: signatures, fields, base types and every member referenced from IL.
/// </summary>
[TestFixture]
public sealed class WorkerDependencyTests
{
    private static readonly string[] s_allowedNamespaces =
    [
        "KnockKnock.Daemon.Worker", "KnockKnock.Daemon.Firewall", "System", "Microsoft.Win32.SafeHandles", "Tmds.Linux",
    ];

    private static readonly string[] s_allowedTypes =
    [
        // the one interop tree (Common/Interop), as linked into the daemon
        "KnockKnock.Interop", "KnockKnock.FileDescriptorHandle", "KnockKnock.ErrnoException", "KnockKnock.StatxBuffer", "KnockKnock.PipeLines",
        // the address and port-set values (no behaviour beyond parsing and formatting) and the error type
        "KnockKnock.HostAddress", "KnockKnock.PortSet", "KnockKnock.KnockKnockException",
        // the counter record's format (parsing and formatting only; the worker does its own I/O)
        "KnockKnock.Crypto.Counters.CounterSlots",
        "<PrivateImplementationDetails>",
    ];

    [Test]
    public void Worker_and_firewall_code_depend_only_on_the_BCL_libc_and_each_other()
    {
        var assembly = typeof(WorkerMain).Assembly;
        var workerTypes = assembly.GetTypes().Where(t => TypeReferences.IsUnder(t, "KnockKnock.Daemon.Worker") || TypeReferences.IsUnder(t, "KnockKnock.Daemon.Firewall")).ToList();
        Assert.That(workerTypes, Has.Count.GreaterThan(5));
        var offending = workerTypes
            .SelectMany(t => TypeReferences.Of(t).Select(r => (User: t, Used: r)))
            .Where(pair => !IsAllowed(pair.Used))
            .Select(pair => $"{pair.User.FullName} -> {pair.Used.FullName} ({pair.Used.Assembly.GetName().Name})")
            .Distinct()
            .ToList();
        Assert.That(offending, Is.Empty);
    }

    /// <summary>
    /// What NativeAOT compiled into the images that keep running: knockknock-worker, which root
    /// keeps running, holds the worker's code and none of the daemon's crypto, profiles, log
    /// parsing or command line; knockknock-daemon-run, the daemon's long-running image, holds the
    /// knock path and neither the worker nor the command line (System.CommandLine, genprofile);
    /// knockknock-daemon, the command line, holds no worker. (The image's stack-trace data names
    /// every compiled method's type; each name is found in some image, so the search can see it.)
    /// No image names System.Diagnostics.Process.
    /// </summary>
    [Test]
    public void Each_image_holds_its_part_and_not_the_parts_checked_for_the_others()
    {
        var worker = File.ReadAllBytes(Binaries.Worker);
        var run = File.ReadAllBytes(Binaries.DaemonRun);
        var commandLine = File.ReadAllBytes(Binaries.Daemon);
        Assert.Multiple(() =>
        {
            foreach (var name in new[] { "WorkerMain", "OpeningGate", "ActiveOpenings" })
            {
                Assert.That(Contains(worker, name), Is.True, $"knockknock-worker names {name}");
                Assert.That(Contains(run, name), Is.False, $"knockknock-daemon-run names {name}");
                Assert.That(Contains(commandLine, name), Is.False, $"knockknock-daemon names {name}");
            }
            foreach (var name in new[] { "KnockCipher", "KnockProcessor", "ProfileIndex", "KmsgSource", "LogLineParser", "Nettle" })
            {
                Assert.That(Contains(worker, name), Is.False, $"knockknock-worker names {name}");
                Assert.That(Contains(run, name), Is.True, $"knockknock-daemon-run names {name}");
            }
            foreach (var name in new[] { "HelpAction", "GenProfileCommand" })
            {
                Assert.That(Contains(worker, name), Is.False, $"knockknock-worker names {name}");
                Assert.That(Contains(run, name), Is.False, $"knockknock-daemon-run names {name}");
                Assert.That(Contains(commandLine, name), Is.True, $"knockknock-daemon names {name}");
            }
            // None starts a child through System.Diagnostics.Process (posix_spawn and waitpid):
            // its SIGCHLD handling could otherwise reap a child before our waitpid does.
            foreach (var (image, file) in new[] { (worker, "knockknock-worker"), (run, "knockknock-daemon-run"), (commandLine, "knockknock-daemon") })
            {
                Assert.That(Contains(image, "ProcessStartInfo"), Is.False, $"{file} names ProcessStartInfo");
            }
        });
    }

    private static bool Contains(byte[] image, string name) => image.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(name)) >= 0;

    [Test]
    public void The_dependency_scan_does_see_forbidden_references()
    {
        // The daemon's host uses the knock processing; if the scan could not see that, the test above proves nothing.
        var type = typeof(WorkerMain).Assembly.GetType("KnockKnock.Daemon.Host.DaemonHost")!;
        Assert.That(TypeReferences.Of(type).Where(t => !IsAllowed(t)).Select(t => t.Namespace), Does.Contain("KnockKnock.Daemon.Knocks"));
    }

    private static bool IsAllowed(Type type)
    {
        while (type.HasElementType)
        {
            type = type.GetElementType()!;
        }
        if (type.IsGenericParameter)
        {
            return true;
        }
        // A function pointer into a native library (libnftables' table): allowed when its parameter and return types are.
        if (type.IsFunctionPointer)
        {
            return IsAllowed(type.GetFunctionPointerReturnType()) && type.GetFunctionPointerParameterTypes().All(IsAllowed);
        }
        var outer = type;
        while (outer.DeclaringType is not null)
        {
            outer = outer.DeclaringType;
        }
        // Compiler-generated types (collection expressions' <>z__ReadOnlyArray and the like) carry no dependency of their own.
        return (s_allowedTypes.Contains(outer.FullName ?? outer.Name) || outer.Name.StartsWith("<>z__", StringComparison.Ordinal) || s_allowedNamespaces.Any(ns => TypeReferences.IsUnder(outer, ns)))
            && (!type.IsGenericType || type.GetGenericArguments().All(IsAllowed));
    }
}
