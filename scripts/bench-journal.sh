#!/usr/bin/env bash
# Journal source benchmark (docs/PERFORMANCE.md, section 5), /dev/kmsg beside it in the same run:
#  1. latency: N knocks to each of two daemons, alternately, one reading /dev/kmsg and one reading
#     the journal of a real systemd-journald; for each, the time from starting the client to the
#     daemon's "accepted knock" line (the worker has opened by then): median, p90, max;
#  2. CPU per line: a burst of bogus knock SYNs (hping3) to each daemon's knock port; the CPU each
#     daemon (and journald) spent over the lines each daemon handled.
# Everything runs in namespaces this script makes: four network namespaces (a server and a client
# for each daemon, joined by veth pairs, 198.18.250.0/24 and 198.18.251.0/24, no default route),
# the daemons' firewall (knockknock-daemon rules, without the per-source LOG rate limit so that the
# whole burst is logged), and journald in a private mount namespace with tmpfs on /run/systemd,
# /run/log and /var/log/journal (it reads the shared /dev/kmsg). All of it is removed on exit.
# Usage: scripts/bench-journal.sh [--prefix DIR] [--knocks N] [--burst N] [--keep]
#   --prefix DIR   an install.sh prefix holding bin/knockknock and bin/knockknock-daemon (NativeAOT);
#                  without it install.sh builds one into a temp prefix first
#   --knocks N     knocks per daemon (default 30)
#   --burst N      bogus SYNs per daemon (default 50000)
#   --keep         keep the temp directory (daemon and journald output) and print its path
# Needs root, ip, nft, hping3, python3, unshare/nsenter, /lib/systemd/systemd-journald.
set -euo pipefail

prefix=
knocks=30
burst=50000
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --knocks) knocks=$2; shift 2 ;;
        --burst) burst=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-journal.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench-journal.sh: must run as root (daemons, namespaces, journald)" >&2; exit 1; }
for tool in ip nft hping3 python3 unshare nsenter; do
    command -v "$tool" >/dev/null || { echo "bench-journal.sh: $tool is needed" >&2; exit 1; }
done
journald=/lib/systemd/systemd-journald
[ -x "$journald" ] || { echo "bench-journal.sh: $journald is needed (apt install systemd)" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
# The daemons, dropped to nobody, must reach their state directories: a 0755 tree.
tmp=$(mktemp -d /tmp/knockknock-journal-bench-XXXXXX)
chmod 755 "$tmp"
tag=kkbj$$
mntns=$tmp/mntns
jpid=
mounted=0
cleanup() {
    if [ -n "$jpid" ] && kill -0 "$jpid" 2>/dev/null; then
        kill -TERM "$jpid" 2>/dev/null || true
        wait "$jpid" 2>/dev/null || true
    fi
    [ "$mounted" = 1 ] && umount "$mntns" 2>/dev/null || true
    for ns in sa ca sb cb; do ip netns delete "$tag$ns" 2>/dev/null || true; done
    if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

if [ -z "$prefix" ]; then
    prefix=$tmp/prefix
    echo "building the NativeAOT binaries into $prefix (scripts/install.sh)..."
    "$root/scripts/install.sh" --prefix "$prefix" >/dev/null
fi
client=$prefix/bin/knockknock
daemon=$prefix/bin/knockknock-daemon
sysctl -qw net.netfilter.nf_log_all_netns=1

# One server and one client per daemon: a = kmsg, b = journal.
setup() { # NAME KNOCK_PORT SUBNET LOG_SOURCE
    local name=$1 port=$2 subnet=$3 source=$4
    mkdir -p "$tmp/$name/profiles"
    printf '[main]\ndelay = 2\nuser = nobody\nlog_source = %s\n' "$source" >"$tmp/$name/config"
    "$prefix/bin/knockknock-genprofile" "$name" "$port" --allow 2222 --config-dir "$tmp/$name" >/dev/null
    cp -a "$tmp/$name/profiles/$name" "$tmp/$name/client"
    ip netns add "$tag"s"$name"
    ip netns add "$tag"c"$name"
    ip link add "$tag$name"0 netns "$tag"s"$name" type veth peer name "$tag$name"1 netns "$tag"c"$name"
    ip -n "$tag"s"$name" addr add "198.18.$subnet.1/24" dev "$tag$name"0
    ip -n "$tag"c"$name" addr add "198.18.$subnet.2/24" dev "$tag$name"1
    for ns in s c; do
        ip -n "$tag$ns$name" link set lo up
        ip -n "$tag$ns$name" link set "$tag$name$([ $ns = s ] && echo 0 || echo 1)" up
    done
    "$daemon" rules --firewall nft --config-dir "$tmp/$name" | grep -v 'update @knock_rate' | ip netns exec "$tag"s"$name" nft -f -
}
setup a 7101 250 kmsg
setup b 7102 251 journal

# journald in a private mount namespace (propagation slave: the network namespaces stay visible).
: >"$mntns"
unshare --mount="$mntns" --propagation slave sh -ec '
    mount -t tmpfs -o mode=0755,size=64m kkbj-run-systemd /run/systemd
    mount -t tmpfs -o mode=0755,size=256m kkbj-run-log /run/log
    mount -t tmpfs -o mode=02755,gid=systemd-journal,size=16m kkbj-var-log-journal /var/log/journal
    mkdir -p /run/systemd/journald.conf.d /run/log/journal
    printf "[Journal]\nStorage=volatile\nAudit=\nReadKMsg=yes\nForwardToSyslog=no\nForwardToWall=no\nForwardToKMsg=no\nForwardToConsole=no\n" \
        >/run/systemd/journald.conf.d/50-knockknock-bench.conf
    chown root:systemd-journal /run/log/journal
    chmod 2755 /run/log/journal'
mounted=1
SYSTEMD_LOG_TARGET=console nsenter --mount="$mntns" -- "$journald" </dev/null >"$tmp/journald.log" 2>&1 &
jpid=$!
machine=$(cat /etc/machine-id)
for _ in $(seq 100); do
    [ -e "/proc/$jpid/root/run/log/journal/$machine/system.journal" ] && break
    kill -0 "$jpid" 2>/dev/null || { cat "$tmp/journald.log" >&2; echo "bench-journal.sh: journald exited" >&2; exit 1; }
    sleep 0.05
done
nsenter --mount="$mntns" -- systemd-tmpfiles --create --prefix=/run/log/journal >/dev/null 2>&1 || true

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
python3 - "$tmp" "$tag" "$daemon" "$client" "$mntns" "$jpid" "$knocks" "$burst" <<'PY'
import os, queue, random, signal, statistics, subprocess, sys, threading, time
tmp, tag, daemon, client, mntns, jpid, knocks, burst = sys.argv[1:9]
jpid, knocks, burst = int(jpid), int(knocks), int(burst)
tck = os.sysconf("SC_CLK_TCK")

class Daemon:
    def __init__(self, name, address, launcher):
        self.name, self.address = name, address
        args = launcher + ["ip", "netns", "exec", f"{tag}s{name}", daemon, "--foreground", "--config-dir", f"{tmp}/{name}",
                           "--state-dir", f"{tmp}/{name}/state", "--firewall", "nft"]
        self.lines = queue.Queue()
        self.log = open(f"{tmp}/{name}/daemon.err", "w")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self.read, daemon=True).start()
        self.wait_for("started:", 60)
    def read(self):
        for line in self.proc.stderr:
            self.lines.put((time.monotonic_ns(), line))
            self.log.write(line); self.log.flush()
    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                stamp, line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit(f"bench-journal.sh: {self.name}: no '{text}' within {timeout} s (see {tmp}/{self.name}/daemon.err)")
            if text in line:
                return stamp
    def cpu(self, pid=None):
        with open(f"/proc/{pid or self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tck
    def handled(self):
        status = dict(l.split(" ", 1) for l in open(f"{tmp}/{self.name}/state/daemon/status").read().splitlines() if " " in l and not l.startswith("#"))
        return int(status["accepted"]) + int(status["rejected"])
    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)

daemons = {}
try:
    daemons["kmsg"] = Daemon("a", "198.18.250.1", [])
    daemons["journal"] = Daemon("b", "198.18.251.1", ["nsenter", f"--mount={mntns}", "--"])
    latencies = {source: [] for source in daemons}
    random.seed(1)
    for i in range(knocks):
        for source, d in daemons.items():
            time.sleep(random.uniform(0.4, 0.9))  # spread the knocks over the journal reader's 100 ms wait
            start = time.monotonic_ns()
            subprocess.run(["ip", "netns", "exec", f"{tag}c{d.name}", client, "-p", "2222", d.address, "--profile-dir", f"{tmp}/{d.name}/client"],
                           check=True, stdout=subprocess.DEVNULL)
            latencies[source].append((d.wait_for("accepted knock", 10) - start) / 1e6)
    print(f"latency, client start -> 'accepted knock' (ms), {knocks} knocks each, alternating:")
    for source, values in latencies.items():
        values.sort()
        print(f"  {source:8} median {statistics.median(values):6.1f}  p90 {values[int(len(values) * 0.9) - 1]:6.1f}  min {values[0]:6.1f}  max {values[-1]:6.1f}")

    time.sleep(2.5)  # the status files are rewritten every 2 s
    before = {s: (d.cpu(), d.handled()) for s, d in daemons.items()}
    journald_before = daemons["kmsg"].cpu(jpid)
    for source, d in daemons.items():
        port = "7101" if d.name == "a" else "7102"
        out = subprocess.run(["ip", "netns", "exec", f"{tag}c{d.name}", "hping3", "-q", "-S", "-p", port, "-i", "u1", "-c", str(burst), d.address],
                             capture_output=True, text=True)
        sent = next((l.split()[0] for l in (out.stdout + out.stderr).splitlines() if "packets transmitted" in l), "?")
        print(f"burst to the {source} daemon's knock port: {sent} SYNs sent (hping3 -i u1)")
    time.sleep(5)  # both daemons have caught up; the status files are rewritten every 2 s
    print(f"CPU per handled line (every daemon reads both bursts, and whatever else the kernel logs with the prefix):")
    for source, d in daemons.items():
        cpu, handled = d.cpu() - before[source][0], d.handled() - before[source][1]
        print(f"  {source:8} {handled:7d} lines, {cpu:5.2f} s CPU = {cpu / max(handled, 1) * 1e6:5.2f} us/line")
    journald_cpu = daemons["kmsg"].cpu(jpid) - journald_before
    handled = daemons["journal"].handled() - before["journal"][1]
    print(f"  journald {handled:7d} lines, {journald_cpu:5.2f} s CPU = {journald_cpu / max(handled, 1) * 1e6:5.2f} us/line (reading /dev/kmsg, writing the journal)")
    status = dict(l.split(" ", 1) for l in open(f"{tmp}/b/state/daemon/status").read().splitlines() if " " in l and not l.startswith("#"))
    print(f"  journal source counters: {status['log_counters']}")
finally:
    for d in daemons.values():
        if d.proc.poll() is None:
            d.stop()
print(f"load after: {open('/proc/loadavg').read().split()[:3]}")
PY
