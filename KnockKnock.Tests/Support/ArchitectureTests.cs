extern alias client;

using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Worker;

namespace KnockKnock.Tests.Support;

/// <summary>
/// The dependency rules of docs/ARCHITECTURE.md, checked on the compiled assemblies: the protocol
/// code uses only the BCL (none of its cryptography but the constant-time helpers) and GNU Nettle,
/// and the daemon's folders depend on each other in one direction,
/// Commands -> Host -> {Knocks, Config} -> {Log, Worker, Privileges} -> Firewall.
/// </summary>
[TestFixture]
public sealed class ArchitectureTests
{
    /// <summary>What the protocol may use of the BCL's cryptography: constant-time helpers, and AES for CPUs without AES-NI.</summary>
    private static readonly HashSet<Type> s_bclCryptographyAllowed =
    [
        typeof(System.Security.Cryptography.CryptographicOperations),
        typeof(System.Security.Cryptography.Aes),
        typeof(System.Security.Cryptography.SymmetricAlgorithm),
        typeof(System.Security.Cryptography.PaddingMode),
    ];

    /// <summary>Each daemon namespace and its layer: a type may use types of strictly lower layers and of its own namespace.</summary>
    private static readonly Dictionary<string, int> s_layers = new()
    {
        ["KnockKnock.Daemon.Firewall"] = 0,
        ["KnockKnock.Daemon"] = 1, // the logger
        ["KnockKnock.Daemon.Worker"] = 1,
        ["KnockKnock.Daemon.Log"] = 1,
        ["KnockKnock.Daemon.Privileges"] = 1,
        ["KnockKnock.Daemon.Config"] = 2,
        ["KnockKnock.Daemon.Knocks"] = 2,
        ["KnockKnock.Daemon.Host"] = 3,
        ["KnockKnock.Daemon.Commands"] = 4,
    };

    [Test]
    public void Protocol_code_uses_only_the_BCL_Nettle_and_the_address_type()
    {
        var protocol = typeof(KnockCipher).Assembly.GetTypes().Where(t => TypeReferences.IsUnder(t, "KnockKnock.Crypto.Protocol")).ToList();
        Assert.That(protocol, Has.Count.GreaterThanOrEqualTo(4));
        var offending = protocol
            .SelectMany(t => TypeReferences.Of(t).Select(used => (t, used)))
            .Where(pair => !IsProtocolDependency(pair.used))
            .Select(pair => $"{pair.t.FullName} -> {pair.used.FullName}")
            .Distinct()
            .ToList();
        Assert.That(offending, Is.Empty);
    }

    [Test]
    public void The_crypto_project_calls_no_native_library_but_libc_and_Nettle()
    {
        // Every P/Invoke of the assembly, in any type, and every use of NativeLibrary (how the
        // libssl call before Nettle was made): P/Invokes of libc only, and NativeLibrary only in
        // Interop, which loads Nettle and resolves its functions (Interop.Nettle.cs). OpenSSL comes
        // in only through the BCL's AES, on CPUs without AES-NI (Aes256Key; the protocol vector
        // tests run that path too).
        var types = typeof(KnockCipher).Assembly.GetTypes();
        var libraries = types
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttributes(typeof(System.Runtime.InteropServices.DllImportAttribute), false).Cast<System.Runtime.InteropServices.DllImportAttribute>().SingleOrDefault()?.Value)
            .OfType<string>()
            .Distinct()
            .Order()
            .ToList();
        Assert.That(libraries, Is.EqualTo(new[] { "libc" }));
        var loaders = types
            .Where(t => TypeReferences.Of(t).Contains(typeof(System.Runtime.InteropServices.NativeLibrary)))
            .Select(t => t.FullName)
            .Order()
            .ToList();
        Assert.That(loaders, Is.EqualTo(new[] { "KnockKnock.Interop", "KnockKnock.Interop+NettleFunctions" }));
    }

    /// <summary>
    /// A library planted beside an executable is never loaded, by root's worker or anyone: every
    /// import of a library other than libc searches the system's library path only. Nettle and
    /// libnftables have no imports: each is loaded by its soname with NativeLibrary.Load, which is
    /// ld.so's own search (CryptoLibraryTests plants a libnettle beside the client and the daemon),
    /// and in the daemon only Interop and libnftables' function table use NativeLibrary.
    /// </summary>
    [Test]
    public void A_library_planted_beside_the_executables_is_never_searched()
    {
        var imports = new[] { typeof(KnockCipher).Assembly, typeof(WorkerMain).Assembly, typeof(client::KnockKnock.Client.KernelRandom).Assembly }
            .Select(a => a.GetType("KnockKnock.Interop")!)
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic))
            .Select(m => (Method: m, Import: m.GetCustomAttributes(typeof(System.Runtime.InteropServices.DllImportAttribute), false).Cast<System.Runtime.InteropServices.DllImportAttribute>().SingleOrDefault()))
            .Where(pair => pair.Import is not null && pair.Import.Value != "libc")
            .ToList();
        Assert.That(imports.Select(pair => pair.Import!.Value).Distinct(), Is.EquivalentTo(new[] { "libipset.so.13", "libsystemd.so.0" }));
        var loaders = typeof(WorkerMain).Assembly.GetTypes()
            .Where(t => TypeReferences.Of(t).Contains(typeof(System.Runtime.InteropServices.NativeLibrary)))
            .Select(t => t.FullName)
            .Order()
            .ToList();
        Assert.That(loaders, Is.EqualTo(new[] { "KnockKnock.Interop", "KnockKnock.Interop+NftablesFunctions" }));
        var searchingBeside = imports
            .Where(pair => pair.Method.GetCustomAttributes(typeof(System.Runtime.InteropServices.DefaultDllImportSearchPathsAttribute), false)
                .Cast<System.Runtime.InteropServices.DefaultDllImportSearchPathsAttribute>().SingleOrDefault()?.Paths != System.Runtime.InteropServices.DllImportSearchPath.System32)
            .Select(pair => $"{pair.Import!.Value}: {pair.Method.Name}")
            .ToList();
        Assert.That(searchingBeside, Is.Empty);
    }

    [Test]
    public void Daemon_folders_depend_on_each_other_in_one_direction()
    {
        var offending = typeof(WorkerMain).Assembly.GetTypes()
            .Where(t => Layer(t) is not null && Outer(t).Name != "Program")
            .SelectMany(t => TypeReferences.Of(t).Select(used => (User: t, Used: Outer(used))))
            .Where(pair => Layer(pair.Used) is { } used && pair.Used.Namespace != Outer(pair.User).Namespace && used >= Layer(pair.User))
            .Select(pair => $"{Outer(pair.User).FullName} -> {pair.Used.FullName}")
            .Distinct()
            .ToList();
        Assert.That(offending, Is.Empty);
    }

    [Test]
    public void The_direction_check_does_see_a_reference_against_the_direction()
    {
        // DaemonHost (Host) uses WorkerClient (Worker): allowed one way, so seen the other way round it would be flagged.
        var host = typeof(WorkerMain).Assembly.GetType("KnockKnock.Daemon.Host.DaemonHost")!;
        Assert.That(TypeReferences.Of(host).Select(Outer), Does.Contain(typeof(WorkerClient)));
        Assert.That(Layer(typeof(WorkerClient)), Is.LessThan(Layer(host)!.Value));
    }

    private static int? Layer(Type type) => Outer(type).Namespace is { } ns && s_layers.TryGetValue(ns, out var layer) ? layer : null;

    private static Type Outer(Type type)
    {
        while (type.HasElementType)
        {
            type = type.GetElementType()!;
        }
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }
        return type;
    }

    /// <summary>
    /// The BCL but its cryptography (of which only the constant-time helpers and the abstract AES,
    /// Aes256Key's path on CPUs without AES-NI), Interop (checked by the test above), the address
    /// type and the protocol code itself (generic arguments included): GNU Nettle serves every
    /// knock where the CPU has AES-NI (docs/PERFORMANCE.md, section 3).
    /// </summary>
    private static bool IsProtocolDependency(Type type)
    {
        if (type.IsFunctionPointer)
        {
            // A native call through one depends on what it passes and returns.
            return type.GetFunctionPointerParameterTypes().Append(type.GetFunctionPointerReturnType()).All(IsProtocolDependency);
        }
        var outer = Outer(type);
        var ns = outer.Namespace ?? "";
        var bclCryptography = ns.StartsWith("System.Security.Cryptography", StringComparison.Ordinal) && !s_bclCryptographyAllowed.Contains(outer);
        return type.IsGenericParameter
            || ((((ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal)) && !bclCryptography)
                    || TypeReferences.IsUnder(outer, "KnockKnock.Crypto.Protocol") || outer.FullName is "KnockKnock.HostAddress" or "KnockKnock.Interop" or "<PrivateImplementationDetails>")
                && (!type.IsGenericType || type.GetGenericArguments().All(IsProtocolDependency)));
    }
}
