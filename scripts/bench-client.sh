#!/usr/bin/env bash
# Client start-up benchmark (docs/PERFORMANCE.md): hyperfine on the installed NativeAOT client,
# exec to exit, for --version, --dry-run (derive keys, store the counter durably, build the knock) and
# a real knock; then exec to packet sent (the figure the start-up target is about) for real knocks:
# from just before the spawn to the SYN's kernel timestamp on the receiving veth (tcpdump), with exec
# to exit of the same runs. Real knocks are sent only inside a private pair of network namespaces
# joined by a veth (198.18.0.2 -> 198.18.0.1, /24, no default route), so no SYN can leave this machine.
# Usage: scripts/bench-client.sh [--prefix DIR] [--runs N] [--keep]
#   --prefix DIR  an install.sh prefix holding bin/knockknock and bin/knockknock-genprofile (NativeAOT);
#                 without it install.sh builds one into a temp prefix first
#   --runs N      hyperfine runs per command (default 200, after 10 warm-up runs)
#   --keep        keep the temp directory (hyperfine JSON/Markdown exports) and print its path
# Needs root, ip, hyperfine, tcpdump and python3.
set -euo pipefail

prefix=
runs=200
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-client.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench-client.sh: must run as root (raw socket, network namespaces)" >&2; exit 1; }
for tool in ip hyperfine tcpdump python3; do
    command -v "$tool" >/dev/null || { echo "bench-client.sh: $tool is needed" >&2; exit 1; }
done

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

if [ -z "$prefix" ]; then
    prefix=$tmp/prefix
    echo "building the NativeAOT binaries into $prefix (scripts/install.sh)..."
    "$root/scripts/install.sh" --prefix "$prefix" >/dev/null
fi
client=$prefix/bin/knockknock
"$prefix/bin/knockknock-genprofile" bench 7000 --config-dir "$tmp/config" >/dev/null
cp -a "$tmp/config/profiles/bench" "$tmp/client"

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

# hyperfine itself runs inside the client namespace, so every measured command starts there and
# setns costs nothing; -N: no shell in between.
echo "== hyperfine in $client_ns (198.18.0.2 -> 198.18.0.1 over a veth); --dry-run and the real knock use up a counter each run, in a throw-away profile copy"
ip netns exec "$client_ns" hyperfine --warmup 10 --runs "$runs" -N \
    --export-markdown "$tmp/client.md" --export-json "$tmp/client.json" \
    -n version "$client --version" \
    -n dry-run "$client -p 2222 198.18.0.1 --profile-dir $tmp/client --dry-run" \
    -n send "$client -p 2222 198.18.0.1 --profile-dir $tmp/client"
cat "$tmp/client.md"
python3 - "$tmp/client.json" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['command']:8} median {r['median'] * 1000:5.1f} ms, min {r['min'] * 1000:5.1f} ms, mean {r['mean'] * 1000:5.1f} ms, user {r['user'] * 1000:4.1f} ms, system {r['system'] * 1000:4.1f} ms")
EOF
received=$(ip -n "$server_ns" -s link show veth1 | awk '/RX:/ {getline; print $2}')
echo "packets received by $server_ns/veth1: $received (the knocks: $(( runs + 10 )), plus IPv6 neighbour discovery)"

# Exec -> packet sent, the figure the client's start-up target is about. tcpdump in the server
# namespace timestamps each SYN as it is queued to veth1, which a veth does inside the sender's
# sendto, so the stamp is the moment it was sent; the launcher in the client namespace reads the
# same clock (CLOCK_REALTIME) just before it spawns each client and again after the client exited.
# tcpdump's output comes through a pipe: its AppArmor profile may forbid writing to files in /tmp.
echo "== exec -> packet sent: $runs real knocks (after 10 warm-up runs), tcpdump -i veth1 in $server_ns"
ip netns exec "$client_ns" python3 - "$client" "$tmp/client" "$runs" "$server_ns" <<'EOF'
import os, signal, statistics, subprocess, sys, threading, time
client, profile, runs, server_ns = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
argv = [client, "-p", "2222", "198.18.0.1", "--profile-dir", profile]
capture = subprocess.Popen(
    ["ip", "netns", "exec", server_ns, "tcpdump", "-i", "veth1", "-n", "-l", "-tt", "--time-stamp-precision=nano",
     "tcp[tcpflags] == tcp-syn and dst port 7000"],
    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    for line in capture.stderr:
        if "listening on" in line:
            break
    else:
        sys.exit("bench-client.sh: tcpdump did not start")
    stamps = []
    reader = threading.Thread(target=lambda: stamps.extend(line.split()[0] for line in capture.stdout if line.strip()))
    reader.start()
    launches = []
    devnull = os.open(os.devnull, os.O_WRONLY)
    for i in range(10 + runs):
        start = time.clock_gettime_ns(time.CLOCK_REALTIME)
        pid = os.posix_spawn(client, argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
        _, status = os.waitpid(pid, 0)
        end = time.clock_gettime_ns(time.CLOCK_REALTIME)
        if status != 0:
            sys.exit(f"bench-client.sh: knock {i} failed: wait status {status}")
        launches.append((start, end))
    deadline = time.monotonic() + 5
    while len(stamps) < len(launches) and time.monotonic() < deadline:
        time.sleep(0.05)
finally:
    capture.send_signal(signal.SIGINT)
    capture.wait(timeout=10)
reader.join()
if len(stamps) != len(launches):
    sys.exit(f"bench-client.sh: {len(launches)} knocks but {len(stamps)} SYNs captured")

def nanoseconds(stamp):
    seconds, fraction = stamp.split(".")
    return int(seconds) * 10**9 + int(fraction.ljust(9, "0"))

measured = list(zip(launches, map(nanoseconds, stamps)))[10:]
for name, values in (("exec -> packet sent", [(sent - start) / 1e6 for (start, _), sent in measured]),
                     ("exec -> exit", [(end - start) / 1e6 for (start, end), _ in measured])):
    values.sort()
    print(f"{name:20} median {statistics.median(values):5.1f} ms, min {values[0]:5.1f} ms, "
          f"p90 {values[int(len(values) * 0.9)]:5.1f} ms, mean {statistics.fmean(values):5.1f} ms ({len(values)} knocks)")
EOF
