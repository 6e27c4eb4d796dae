/*
 * The unprivileged copy's first step, linked into the NativeAOT client by KnockKnock.Client.csproj
 * (see UnprivilegedCopy.cs for the whole design).
 *
 * A setcap client starts its copy (the decoy sender, connect's relay, the SOCKS proxy) from a thread
 * that emptied its own capability sets but did not set no_new_privs, so the exec grants the file's
 * capability again. That is what makes the copy non-dumpable from its first instruction: gaining
 * capabilities at exec makes the kernel mark the process non-dumpable (commit_creds), and a
 * non-dumpable process of the same user cannot be ptraced, pidfd_getfd'd or read through /proc, not
 * even in the milliseconds before its managed code could say so itself.
 *
 * This constructor then gives the capability back before the .NET runtime starts a second thread:
 * no_new_privs and empty capability sets on the only thread, which every later thread inherits.
 * Dropping capabilities never makes a process dumpable again. Only the copy's hidden first argument
 * ("--internal-...") selects this; for anything else, and for root (whose copy is root's own and
 * leaves uid 0 in managed code), it drops nothing. A copy that is dumpable here was not started by
 * a setcap client as UnprivilegedCopy.Start does: it exits 71 at once, before it could take any
 * descriptor. If a call fails the copy exits 70; the managed side checks every thread again anyway
 * (UnprivilegedCopy.TakeChannel).
 *
 * First, the decoy sender ("--internal-retransmit", root's too) takes nice 19, before the runtime
 * starts its threads (which inherit it): its start-up, 8 - 10 ms of CPU right after the knock, then
 * gives way from the start to what runs after the knock (the client's own exit, ssh, a probe),
 * where its parent could set it only once the exec was done and the copy had already been running.
 * Best effort: raising one's own nice does not fail on Linux, and a copy that kept nice 0 would
 * still send its retransmissions.
 */
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Priority 101, the first a program may use: before prefault.c's constructor, so that the decoy
 * sender's own 0.8 MB prefault runs at nice 19 too. */
__attribute__((constructor(101))) static void start_the_copy(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc >= 2 && strcmp(argv[1], "--internal-retransmit") == 0) {
        (void)setpriority(PRIO_PROCESS, 0, 19);
    }
    if (argc < 2 || strncmp(argv[1], "--internal-", 11) != 0 || geteuid() == 0) {
        return;
    }
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
        _exit(71);
    }
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof data);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_capset, &header, data) != 0) {
        _exit(70);
    }
}
