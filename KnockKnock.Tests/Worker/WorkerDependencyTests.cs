using System.Reflection;
using System.Reflection.Emit;
using KnockKnock.Daemon.Worker;

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
        "KnockKnock.Daemon.Interop", "KnockKnock.Daemon.FileDescriptorHandle", "<PrivateImplementationDetails>",
    ];

    private static readonly Dictionary<short, OpCode> s_opcodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    [Test]
    public void Worker_and_firewall_code_depend_only_on_the_BCL_libc_and_each_other()
    {
        var assembly = typeof(WorkerMain).Assembly;
        var workerTypes = assembly.GetTypes().Where(t => IsUnder(t, "KnockKnock.Daemon.Worker") || IsUnder(t, "KnockKnock.Daemon.Firewall")).ToList();
        Assert.That(workerTypes, Has.Count.GreaterThan(5));
        var offending = workerTypes
            .SelectMany(t => ReferencedTypes(t).Select(r => (User: t, Used: r)))
            .Where(pair => !IsAllowed(pair.Used))
            .Select(pair => $"{pair.User.FullName} -> {pair.Used.FullName} ({pair.Used.Assembly.GetName().Name})")
            .Distinct()
            .ToList();
        Assert.That(offending, Is.Empty);
    }

    [Test]
    public void The_dependency_scan_does_see_forbidden_references()
    {
        // PrivilegeDrop uses Mono.Posix; if the scan could not see that, the test above proves nothing.
        var type = typeof(WorkerMain).Assembly.GetType("KnockKnock.Daemon.Privileges.PrivilegeDrop")!;
        Assert.That(ReferencedTypes(type).Where(t => !IsAllowed(t)).Select(t => t.Namespace), Does.Contain("Mono.Unix.Native"));
    }

    private static bool IsUnder(Type type, string ns) => type.Namespace == ns || (type.Namespace?.StartsWith(ns + ".", StringComparison.Ordinal) ?? false);

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
        return (s_allowedTypes.Contains(outer.FullName ?? outer.Name) || s_allowedNamespaces.Any(ns => IsUnder(outer, ns)))
            && (!type.IsGenericType || type.GetGenericArguments().All(IsAllowed));
    }

    private static IEnumerable<Type> ReferencedTypes(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is not null)
        {
            yield return type.BaseType;
        }
        foreach (var i in type.GetInterfaces())
        {
            yield return i;
        }
        foreach (var field in type.GetFields(all))
        {
            yield return field.FieldType;
        }
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo info)
            {
                yield return info.ReturnType;
            }
            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }
            foreach (var used in TypesInBody(method))
            {
                yield return used;
            }
        }
    }

    /// <summary>Every type whose member or token the method's IL references.</summary>
    private static IEnumerable<Type> TypesInBody(MethodBase method)
    {
        var body = method.GetMethodBody();
        if (body is null)
        {
            yield break;
        }
        foreach (var local in body.LocalVariables)
        {
            yield return local.LocalType;
        }
        var il = body.GetILAsByteArray() ?? [];
        var module = method.Module;
        var typeArgs = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var value = il[i] == 0xFE ? unchecked((short)(0xFE00 | il[i + 1])) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var code = s_opcodes[value];
            switch (code.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var member = module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                    if (member is Type t)
                    {
                        yield return t;
                    }
                    else if (member?.DeclaringType is not null)
                    {
                        yield return member.DeclaringType;
                        if (member is MethodInfo m)
                        {
                            yield return m.ReturnType;
                            foreach (var p in m.GetParameters())
                            {
                                yield return p.ParameterType;
                            }
                        }
                    }
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineNone:
                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }
}
