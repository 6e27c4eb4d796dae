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
    /// What NativeAOT compiled into knockknock-worker, the image root keeps running: the worker's
    /// code, and none of the daemon's crypto, profiles, log parsing or command line (the image's
    /// stack-trace data names every compiled method's type; the worker's own names being found
    /// shows the search can see them). The daemon's image carries no worker, and neither image
    /// System.Diagnostics.Process.
    /// </summary>
    [Test]
    public void The_worker_executable_holds_the_worker_and_nothing_of_the_daemon()
    {
        var worker = File.ReadAllBytes(Binaries.Worker);
        var daemon = File.ReadAllBytes(Binaries.Daemon);
        Assert.Multiple(() =>
        {
            foreach (var name in new[] { "WorkerMain", "OpeningGate", "ActiveOpenings" })
            {
                Assert.That(Contains(worker, name), Is.True, $"knockknock-worker names {name}");
                Assert.That(Contains(daemon, name), Is.False, $"knockknock-daemon names {name}");
            }
            foreach (var name in new[] { "KnockCipher", "KnockProcessor", "ProfileIndex", "KmsgSource", "LogLineParser", "Nettle", "HelpAction" })
            {
                Assert.That(Contains(worker, name), Is.False, $"knockknock-worker names {name}");
                Assert.That(Contains(daemon, name), Is.True, $"knockknock-daemon names {name}, so the search can see it");
            }
            // Neither starts a child through System.Diagnostics.Process (posix_spawn and waitpid):
            // its SIGCHLD handling could otherwise reap a child before our waitpid does.
            Assert.That(Contains(worker, "ProcessStartInfo"), Is.False, "knockknock-worker names ProcessStartInfo");
            Assert.That(Contains(daemon, "ProcessStartInfo"), Is.False, "knockknock-daemon names ProcessStartInfo");
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
