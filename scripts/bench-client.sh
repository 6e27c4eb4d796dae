#!/usr/bin/env bash
# Client start-up benchmark (docs/PERFORMANCE.md, section 3): how long the installed NativeAOT
# client takes from exec to its knock SYN on the wire, for a protocol 2 profile (the default, decoy
# retransmissions on), the same without retransmissions, and a protocol 1 profile, next to a
# NativeAOT "hello world" (`dotnet new console`, published with the client's NativeAOT settings) in
# the same run: one launch of each arm per round, in an order shuffled anew each round (a fixed
# rotation would always launch an arm right after the same other one, whose decoy process starts
# while it runs).
# For each arm it prints exec -> packet on the wire (knocks) and exec -> exit (median, p90, min),
# CPU time and page faults, and the difference to the hello world's exec -> exit.
# Exec: a launcher in the client namespace reads CLOCK_REALTIME just before posix_spawn and again
# when the child has exited. Packet: tcpdump on the receiving veth in the server namespace (a veth
# hands the packet to its peer inside the sender's sendto, and that is when it is stamped, with the
# same clock); a knock is matched to the launch whose interval holds its first SYN (a retransmission
# repeats the knock's source port and sequence number and is skipped).
# Real knocks are sent only inside a private pair of network namespaces joined by a veth
# (198.18.0.2 -> 198.18.0.1, /24, no default route), so no SYN can leave this machine. The decoy
# retransmission processes are collected (the launcher is their subreaper) and killed by PID at the end.
# Usage: scripts/bench-client.sh [--prefix DIR] [--old-prefix DIR] [--hello FILE] [--runs N] [--cpu N] [--keep]
#   --prefix DIR  an install.sh prefix holding bin/knockknock and bin/knockknock-genprofile (NativeAOT);
#                 without it install.sh builds one into a temp prefix first
#   --old-prefix DIR  another build's prefix (e.g. an earlier commit's): one more arm, its client's
#                 v2 --no-retransmit knock, in the same rounds
#   --hello FILE  a NativeAOT hello world to use; without it one is made with dotnet new console and
#                 published like install.sh publishes the client (about a minute)
#   --runs N      measured launches per arm (default 200, after 10 warm-up rounds)
#   --cpu N       run the launcher and every launched process on CPU N only (taskset-like)
#   --keep        keep the temp directory (profiles, hello world, raw samples) and print its path
# Needs root, ip, tcpdump and python3 (and dotnet with clang-14 without --hello).
set -euo pipefail

prefix=
old_prefix=
hello=
runs=200
cpu=
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --old-prefix) old_prefix=$2; shift 2 ;;
        --hello) hello=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --cpu) cpu=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-client.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench-client.sh: must run as root (raw socket, network namespaces)" >&2; exit 1; }
for tool in ip tcpdump python3; do
    command -v "$tool" >/dev/null || { echo "bench-client.sh: $tool is needed" >&2; exit 1; }
done
case "$runs" in ''|*[!0-9]*) echo "bench-client.sh: --runs takes a number" >&2; exit 2 ;; esac
case "$cpu" in *[!0-9]*) echo "bench-client.sh: --cpu takes a CPU number" >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/knockknock-client-XXXXXX)
client_ns=kkcli-$$
server_ns=kksrv-$$
cleanup() {
    ip netns delete "$client_ns" 2>/dev/null || true
    ip netns delete "$server_ns" 2>/dev/null || true
    if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$prefix" ]; then
    prefix=$tmp/prefix
    echo "building the NativeAOT binaries into $prefix (scripts/install.sh)..."
    "$root/scripts/install.sh" --prefix "$prefix" >/dev/null
fi
client=$prefix/bin/knockknock
[ -x "$client" ] || { echo "bench-client.sh: no $client" >&2; exit 1; }
old_client=${old_prefix:+$old_prefix/bin/knockknock}
[ -z "$old_client" ] || [ -x "$old_client" ] || { echo "bench-client.sh: no $old_client" >&2; exit 1; }
if [ -z "$hello" ]; then
    # The client's NativeAOT settings: install.sh's publish options and Directory.Build.props'
    # InvariantGlobalization. (The client's own start-up code, Native/*.c, is not a setting.)
    echo "publishing a NativeAOT hello world (dotnet new console)..."
    (cd "$tmp" && dotnet new console --name hello --output hello >/dev/null)
    dotnet publish "$tmp/hello" -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker=clang-14 \
        -p:StripSymbols=true -p:InvariantGlobalization=true -o "$tmp/hello/out" --nologo -v quiet >/dev/null
    hello=$tmp/hello/out/hello
fi
[ -x "$hello" ] || { echo "bench-client.sh: no hello world at $hello" >&2; exit 1; }

"$prefix/bin/knockknock-genprofile" v2 7000 --config-dir "$tmp/config" >/dev/null
"$prefix/bin/knockknock-genprofile" v1 7001 --protocol 1 --config-dir "$tmp/config" >/dev/null
"$prefix/bin/knockknock-genprofile" v2old 7002 --config-dir "$tmp/config" >/dev/null
mkdir -m 700 "$tmp/client"
cp -a "$tmp/config/profiles/v2" "$tmp/config/profiles/v1" "$tmp/config/profiles/v2old" "$tmp/client/"

ip netns add "$client_ns"
ip netns add "$server_ns"
ip -n "$client_ns" link add veth0 type veth peer name veth1 netns "$server_ns"
ip -n "$client_ns" addr add 198.18.0.2/24 dev veth0
ip -n "$server_ns" addr add 198.18.0.1/24 dev veth1
ip -n "$client_ns" link set veth0 up
ip -n "$server_ns" link set veth1 up
ip -n "$client_ns" link set lo up
ip -n "$server_ns" link set lo up
# A static neighbour entry: no ARP round trip inside the measured command.
mac=$(ip -n "$server_ns" -br link show veth1 | awk '{print $3}')
ip -n "$client_ns" neigh replace 198.18.0.1 lladdr "$mac" dev veth0 nud permanent

echo "== $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $runs launches per arm after 10 warm-up rounds${cpu:+, everything on CPU $cpu}"
# tcpdump's output comes through a pipe: its AppArmor profile may forbid writing to files in /tmp.
ip netns exec "$client_ns" python3 - "$tmp" "$client" "$hello" "$runs" "$server_ns" "$cpu" "$old_client" <<'EOF'
import ctypes, os, random, re, signal, statistics, subprocess, sys, threading, time

tmp, client, hello, runs, server_ns, cpu, old_client = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
warmup = 10
knock = [client, "-p", "2222", "198.18.0.1", "--profile-dir"]
arms = [  # name, argv, knock port (None: no packet)
    ("hello world", [hello], None),
    ("v2 (default)", knock + [tmp + "/client/v2"], 7000),
    ("v2 --no-retransmit", knock + [tmp + "/client/v2", "--no-retransmit"], 7000),
    ("v1", knock + [tmp + "/client/v1"], 7001),
]
if old_client:
    arms.append(("old v2 --no-retr.", [old_client] + knock[1:] + [tmp + "/client/v2old", "--no-retransmit"], 7002))

# The decoy retransmission processes detach from the client; as their subreaper this launcher
# inherits them, so it can end them by PID at the end.
PR_SET_CHILD_SUBREAPER = 36
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("bench-client.sh: prctl(PR_SET_CHILD_SUBREAPER) failed")

capture = subprocess.Popen(
    ["ip", "netns", "exec", server_ns, "tcpdump", "-i", "veth1", "-n", "-l", "-tt", "--time-stamp-precision=nano",
     "tcp[tcpflags] == tcp-syn"],
    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
syn = re.compile(r"^(\d+)\.(\d+) IP \S+\.(\d+) > \S+\.(\d+): Flags \[S\], seq (\d+)")
samples = {name: [] for name, _, _ in arms}  # (start ns, end ns, cpu ms, minor faults)
try:
    for line in capture.stderr:
        if "listening on" in line:
            break
    else:
        sys.exit("bench-client.sh: tcpdump did not start")
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(capture.stdout))
    reader.start()
    if cpu:
        os.sched_setaffinity(0, {int(cpu)})
    devnull = os.open(os.devnull, os.O_WRONLY)
    shuffle = random.Random(12)
    for round_ in range(warmup + runs):
        for name, argv, _ in shuffle.sample(arms, len(arms)):
            start = time.clock_gettime_ns(time.CLOCK_REALTIME)
            pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
            _, status, usage = os.wait4(pid, 0)
            end = time.clock_gettime_ns(time.CLOCK_REALTIME)
            if status != 0:
                sys.exit(f"bench-client.sh: {name} failed: wait status {status}")
            if round_ >= warmup:
                samples[name].append((start, end, (usage.ru_utime + usage.ru_stime) * 1e3, usage.ru_minflt))
    time.sleep(0.5)
finally:
    capture.send_signal(signal.SIGINT)
    capture.wait(timeout=10)
    # The retransmitting processes still running: this launcher's children now.
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if parent == os.getpid():
                os.kill(int(entry), signal.SIGKILL)
    while True:
        try:
            if os.waitpid(-1, 0)[0] == 0:
                break
        except ChildProcessError:
            break
reader.join()

# The first SYN of each (source port, knock port, sequence number): the knock; later ones are its retransmissions.
first = {}
for line in lines:
    m = syn.match(line)
    if m:
        key = (int(m.group(3)), int(m.group(4)), int(m.group(5)))
        first.setdefault(key, int(m.group(1)) * 10**9 + int(m.group(2).ljust(9, "0")))
knocks = sorted((stamp, port) for (_, port, _), stamp in first.items())

def describe(values):
    values = sorted(values)
    return f"{statistics.median(values):5.1f} {values[int(len(values) * 0.9)]:5.1f} {values[0]:5.1f}"

print(f"{'arm':20} {'exec -> packet':>17}   {'exec -> exit':>17}   {'CPU':>5} {'faults':>6}   {'packet - hello':>14}")
print(f"{'':20} {'median p90 min':>17}   {'median p90 min':>17}   {'ms':>5} {'':>6}   {'exit, median':>14}")
hello_exit = statistics.median((end - start) / 1e6 for start, end, _, _ in samples["hello world"])
for name, _, port in arms:
    rows = samples[name]
    exits = [(end - start) / 1e6 for start, end, _, _ in rows]
    cpu_ms = statistics.median(c for _, _, c, _ in rows)
    faults = statistics.median(f for _, _, _, f in rows)
    if port is None:
        print(f"{name:20} {'':>17}   {describe(exits)}   {cpu_ms:5.1f} {faults:6.0f}")
        continue
    sent = []
    for start, end, _, _ in rows:
        matched = [stamp for stamp, p in knocks if p == port and start <= stamp <= end]
        if len(matched) != 1:
            sys.exit(f"bench-client.sh: {name}: {len(matched)} knock SYNs between a launch and its exit")
        sent.append((matched[0] - start) / 1e6)
    print(f"{name:20} {describe(sent)}   {describe(exits)}   {cpu_ms:5.1f} {faults:6.0f}   {statistics.median(sent) - hello_exit:+8.1f} ms")
print(f"(exec -> packet of the knocks against exec -> exit of the hello world, {hello_exit:.1f} ms, medians of the same run)")
EOF
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
