using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static unsafe partial class Interop
{
    // <spawn.h> (glibc): flags of posix_spawnattr_setflags.
    private const short POSIX_SPAWN_SETPGROUP = 0x02;
    private const short POSIX_SPAWN_SETSIGMASK = 0x08;

    // sizeof(posix_spawnattr_t) is 336 and sizeof(posix_spawn_file_actions_t) 80 in glibc (x86-64,
    // arm64); the objects are glibc's to fill, in room of our own.
    private const int SpawnAttributesRoom = 512;
    private const int SpawnFileActionsRoom = 256;

    [LibraryImport("libc", EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PosixSpawnNative(out int pid, string path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int PosixSpawnAttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int PosixSpawnAttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int PosixSpawnAttrSetSigMask(void* attributes, sigset_t* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setpgroup")]
    private static partial int PosixSpawnAttrSetProcessGroup(void* attributes, int processGroup);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int PosixSpawnAttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int PosixSpawnFileActionsInit(void* fileActions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PosixSpawnFileActionsAddOpen(void* fileActions, int fd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int PosixSpawnFileActionsAddDup2(void* fileActions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addclosefrom_np")]
    private static partial int PosixSpawnFileActionsAddCloseFrom(void* fileActions, int from);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int PosixSpawnFileActionsDestroy(void* fileActions);

    /// <summary>
    /// posix_spawn(3) of <paramref name="path"/> with <paramref name="arguments"/> (argv[0] first)
    /// from the calling thread (whose credentials the child gets), with an empty signal mask;
    /// handled signals are back to the default in the child and ignored ones stay ignored (glibc's
    /// child does that, as .NET's Process.Start did: a copy started by a shell that ignores SIGINT
    /// keeps ignoring it). <paramref name="environment"/> holds NAME=VALUE strings; null passes
    /// this process's environment. With <paramref name="nullStandardStreams"/> the child's
    /// descriptors 0, 1 and 2 are on /dev/null, otherwise this process's; then
    /// <paramref name="output"/> and <paramref name="errors"/>, when given, become its 1 and 2.
    /// The child gets exactly the <paramref name="passed"/> descriptors as its 3, 4, ... and no
    /// other above 2, whatever this process holds without close-on-exec (glibc 2.34's
    /// addclosefrom: libraries such as libipset open sockets without it, and whoever started this
    /// process may have left some open), whatever their numbers here. With
    /// <paramref name="ownProcessGroup"/> the child leads a process group of its own, so that what
    /// a terminal sends to this process's group (Ctrl-C, a hang-up) does not reach it. Returns the child's pid; an
    /// <see cref="ErrnoException"/> when it did not start (glibc reports a failed exec here too).
    /// </summary>
    public static int Spawn(string path, IReadOnlyList<string> arguments, bool nullStandardStreams, IReadOnlyList<FileDescriptorHandle> passed,
        IReadOnlyList<string>? environment = null, FileDescriptorHandle? output = null, FileDescriptorHandle? errors = null, bool ownProcessGroup = false)
    {
        var strings = new List<string>(arguments);
        if (environment is null)
        {
            foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                strings.Add($"{variable.Key}={variable.Value}");
            }
        }
        else
        {
            strings.AddRange(environment);
        }
        // argv, then envp, each NULL-terminated, in one native block freed below.
        byte** vector = null;
        void* attributes = null;
        void* fileActions = null;
        var attributesReady = false;
        var fileActionsReady = false;
        try
        {
            vector = (byte**)NativeMemory.AllocZeroed((nuint)(strings.Count + 2), (nuint)sizeof(byte*));
            attributes = NativeMemory.AlignedAlloc(SpawnAttributesRoom, 16);
            fileActions = NativeMemory.AlignedAlloc(SpawnFileActionsRoom, 16);
            for (var i = 0; i < strings.Count; i++)
            {
                vector[i < arguments.Count ? i : i + 1] = (byte*)Marshal.StringToCoTaskMemUTF8(strings[i]);
            }
            SpawnCheck(PosixSpawnAttrInit(attributes), "posix_spawnattr_init", path);
            attributesReady = true;
            sigset_t none;
            new Span<byte>(&none, sizeof(sigset_t)).Clear();
            SpawnCheck(PosixSpawnAttrSetSigMask(attributes, &none), "posix_spawnattr_setsigmask", path);
            if (ownProcessGroup)
            {
                SpawnCheck(PosixSpawnAttrSetProcessGroup(attributes, 0), "posix_spawnattr_setpgroup", path);
            }
            SpawnCheck(PosixSpawnAttrSetFlags(attributes, ownProcessGroup ? (short)(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP) : POSIX_SPAWN_SETSIGMASK),
                "posix_spawnattr_setflags", path);
            SpawnCheck(PosixSpawnFileActionsInit(fileActions), "posix_spawn_file_actions_init", path);
            fileActionsReady = true;
            // Every source first to a number above every source and target, then to its place: a
            // source may sit where another one's target is (0 - 2, or 3, 4, ...), as when this
            // process started with a standard stream closed and pipe2 or socketpair returned it.
            FileDescriptorHandle?[] sources = [.. passed, output, errors];
            var above = 3 + passed.Count;
            foreach (var source in sources)
            {
                above = Math.Max(above, (source?.Fd ?? 0) + 1);
            }
            for (var i = 0; i < sources.Length; i++)
            {
                if (sources[i] is { } source)
                {
                    SpawnCheck(PosixSpawnFileActionsAddDup2(fileActions, source.Fd, above + i), "posix_spawn_file_actions_adddup2", path);
                }
            }
            if (nullStandardStreams)
            {
                SpawnCheck(PosixSpawnFileActionsAddOpen(fileActions, 0, "/dev/null", LibC.O_RDWR, 0), "posix_spawn_file_actions_addopen", path);
                SpawnCheck(PosixSpawnFileActionsAddDup2(fileActions, 0, 1), "posix_spawn_file_actions_adddup2", path);
                SpawnCheck(PosixSpawnFileActionsAddDup2(fileActions, 0, 2), "posix_spawn_file_actions_adddup2", path);
            }
            // dup2 clears close-on-exec on the copy it makes, so a close-on-exec pipe end works here.
            // The caller holds every handle open until this returns.
            if (output is not null)
            {
                SpawnCheck(PosixSpawnFileActionsAddDup2(fileActions, above + passed.Count, 1), "posix_spawn_file_actions_adddup2", path);
            }
            if (errors is not null)
            {
                SpawnCheck(PosixSpawnFileActionsAddDup2(fileActions, above + passed.Count + 1, 2), "posix_spawn_file_actions_adddup2", path);
            }
            for (var i = 0; i < passed.Count; i++)
            {
                SpawnCheck(PosixSpawnFileActionsAddDup2(fileActions, above + i, 3 + i), "posix_spawn_file_actions_adddup2", path);
            }
            // The temporaries, and whatever this process holds without close-on-exec.
            SpawnCheck(PosixSpawnFileActionsAddCloseFrom(fileActions, 3 + passed.Count), "posix_spawn_file_actions_addclosefrom_np", path);
            SpawnCheck(PosixSpawnNative(out var pid, path, fileActions, attributes, vector, vector + arguments.Count + 1), "posix_spawn", path);
            return pid;
        }
        finally
        {
            if (fileActionsReady)
            {
                _ = PosixSpawnFileActionsDestroy(fileActions);
            }
            if (attributesReady)
            {
                _ = PosixSpawnAttrDestroy(attributes);
            }
            for (var i = 0; vector is not null && i < strings.Count + 2; i++)
            {
                Marshal.FreeCoTaskMem((nint)vector[i]);
            }
            NativeMemory.Free(vector);
            NativeMemory.AlignedFree(attributes);
            NativeMemory.AlignedFree(fileActions);
        }
    }

    // The posix_spawn family returns the error number itself and leaves errno alone.
    private static void SpawnCheck(int result, string call, string path)
    {
        if (result != 0)
        {
            throw Error(call, path, result);
        }
    }
}
