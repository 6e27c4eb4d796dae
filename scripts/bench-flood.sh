#!/usr/bin/env bash
# Whole-daemon flood benchmark (docs/PERFORMANCE.md). Runs knockknock-daemon as root inside a fresh
# network namespace (its nft worker touches only that namespace), following a syslog-format log file,
# appends N bogus knock-port LOG lines with ONE valid knock in the middle, and reports lines/s, the
# daemon's RSS (sampled every 0.5 s) and whether the valid knock opened its port.
# Usage: scripts/bench-flood.sh [--prefix DIR] [--daemon PATH] [--lines N] [--keep]
#   --prefix DIR   an install.sh prefix holding bin/knockknock and bin/knockknock-daemon (NativeAOT);
#                  without it install.sh builds one into a temp prefix first
#   --daemon PATH  the daemon executable to measure instead (another build's knockknock-daemon, with
#                  its knockknock-daemon-run and knockknock-worker beside it); the client still comes from --prefix
#   --lines N      bogus lines to feed (default 1000000)
#   --keep         keep the temp directory (log, daemon stderr, RSS samples) and print its path
# Needs root, ip, nft, python3. Exit 0 when the valid knock was accepted and its element is in the set.
set -euo pipefail

prefix=
daemon=
lines=1000000
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --daemon) daemon=$2; shift 2 ;;
        --lines) lines=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-flood.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench-flood.sh: must run as root (the daemon starts as root, and it needs a network namespace)" >&2; exit 1; }
for tool in ip nft python3; do
    command -v "$tool" >/dev/null || { echo "bench-flood.sh: $tool is needed" >&2; exit 1; }
done

root=$(cd "$(dirname "$0")/.." && pwd)
# Everything the dropped daemon (nobody) must reach lives under a 0755 directory.
tmp=$(mktemp -d /tmp/knockknock-flood-XXXXXX)
chmod 755 "$tmp"
ns=kkflood-$$
pid=
sampler=
cleanup() {
    [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    ip netns delete "$ns" 2>/dev/null || true
    if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

if [ -z "$prefix" ]; then
    prefix=$tmp/prefix
    echo "building the NativeAOT binaries into $prefix (scripts/install.sh)..."
    "$root/scripts/install.sh" --prefix "$prefix" >/dev/null
fi
client=$prefix/bin/knockknock
[ -n "$daemon" ] || daemon=$prefix/bin/knockknock-daemon

# A real profile on knock port 7000; the client's copy of it makes the one valid knock. Protocol 1:
# the lines below carry a knock in ID, SEQ, ACK and WINDOW (a protocol 2 knock has no ACK or WINDOW
# field, and genprofile makes protocol 2 by default).
knock_port=7000
"$prefix/bin/knockknock-genprofile" flood "$knock_port" --config-dir "$tmp/config" --protocol 1 >/dev/null
cp -a "$tmp/config/profiles/flood" "$tmp/client"
# The destination is not in the MAC, so a dry run towards loopback gives the same fields and needs no route.
fields=$("$client" -p 2222 127.0.0.1 --profile-dir "$tmp/client" --dry-run -v | grep '^ID=')
echo "valid knock: $fields (counter 0, port 2222)"

# N bogus lines for the knock port, random SRC/ID/SEQ/ACK/WINDOW, the valid knock at N/2.
python3 - "$tmp/flood.log" "$lines" "$knock_port" "$fields" <<'EOF'
import random, sys
path, n, port, valid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
r = random.Random(42)
head = "Nov 22 14:00:00 host kernel: [ 1234.567890] knockknock: IN=veth0 OUT= MAC=aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:08:00 "
v = dict(kv.split("=") for kv in valid.split())
with open(path, "w") as f:
    for i in range(n + 1):
        if i == n // 2:
            src, ident, seq, ack, win = "198.18.0.2", v["ID"], v["SEQ"], v["ACK"], v["WINDOW"]
        else:
            src = "%d.%d.%d.%d" % (r.randint(1, 223), r.randrange(256), r.randrange(256), r.randint(1, 254))
            ident, seq, ack, win = r.randrange(65536), r.getrandbits(32), r.getrandbits(32), r.randrange(65536)
        f.write(f"{head}SRC={src} DST=198.18.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID={ident} DF PROTO=TCP "
                f"SPT={r.randint(1024, 65535)} DPT={port} SEQ={seq} ACK={ack} WINDOW={win} RES=0x00 SYN URGP=0 \n")
EOF
bytes=$(stat -c %s "$tmp/flood.log")

ip netns add "$ns"
ip netns exec "$ns" nft -f - <<'EOF'
table inet knockknock {
    set allowed { type ipv4_addr . inet_service; flags dynamic, timeout; }
}
EOF

: >"$tmp/kern.log"
chmod 644 "$tmp/kern.log"
# --user nobody: the bench machine need not have the daemon's own user (knockknock).
ip netns exec "$ns" "$daemon" --foreground --config-dir "$tmp/config" --state-dir "$tmp/state" \
    --log-source "file:$tmp/kern.log" --firewall nft --user nobody 2>"$tmp/daemon.err" &
pid=$!
for _ in $(seq 300); do
    grep -q 'started:' "$tmp/daemon.err" && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/daemon.err" >&2; echo "bench-flood.sh: the daemon exited" >&2; exit 1; }
    sleep 0.1
done
grep -q 'started:' "$tmp/daemon.err" || { cat "$tmp/daemon.err" >&2; echo "bench-flood.sh: the daemon did not start" >&2; exit 1; }
worker=$(sed -n 's/.*worker pid \([0-9]*\).*/\1/p' "$tmp/daemon.err" | head -1)

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
(
    while kill -0 "$pid" 2>/dev/null; do
        echo "$(date +%s.%N) $(rss "$pid") $(rss "$worker")"
        sleep 0.5
    done
) >"$tmp/rss.txt" &
sampler=$!
sleep 1.2  # a few idle samples first

rchar() { awk '/^rchar/ {print $2}' "/proc/$pid/io"; }
# utime+stime of the daemon (all threads), in clock ticks: CPU spent, whatever else runs on the machine.
cputicks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
start_cpu=$(cputicks)
start_rchar=$(rchar)
start=$(date +%s.%N)
cat "$tmp/flood.log" >>"$tmp/kern.log"
appended=$(date +%s.%N)
# The daemon has consumed the file once it has read that many more bytes (it reads nothing else in bulk).
while [ $(( $(rchar) - start_rchar )) -lt "$bytes" ]; do
    sleep 0.01
done
end=$(date +%s.%N)
end_cpu=$(cputicks)
sleep 1.2  # a few samples after the flood
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=

accepted=no
grep -q 'accepted knock' "$tmp/daemon.err" && accepted=yes
element=$(ip netns exec "$ns" nft list set inet knockknock allowed | grep -o 'elements = {[^}]*}' || true)
kill -TERM "$pid"
wait "$pid" || true
pid=

python3 - "$tmp/rss.txt" "$start" "$end" "$lines" "$bytes" "$appended" "$(( end_cpu - start_cpu ))" "$(getconf CLK_TCK)" <<'EOF'
import sys
path, start, end, n, size, appended = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
cpu = int(sys.argv[7]) / int(sys.argv[8])
rows = [tuple(float(x) for x in l.split()) for l in open(path) if len(l.split()) == 3]
idle = [r[1] for r in rows if r[0] < start] or [0]
flood = [r[1] for r in rows if start <= r[0] <= end] or [0]
after = [r[1] for r in rows if r[0] > end] or [0]
worker = [r[2] for r in rows] or [0]
secs = end - start
print(f"lines:        {n + 1} ({size / 1e6:.1f} MB), appended in {appended - start:.2f} s, consumed in {secs:.2f} s")
print(f"throughput:   {(n + 1) / secs:,.0f} lines/s wall clock; daemon CPU {cpu:.2f} s = {cpu / (n + 1) * 1e6:.2f} us/line ({(n + 1) / cpu:,.0f} lines per CPU-second)")
print(f"daemon RSS:   idle {max(idle) / 1024:.1f} MB; during flood min {min(flood) / 1024:.1f} / max {max(flood) / 1024:.1f} MB over {len(flood)} samples; after {max(after) / 1024:.1f} MB")
print(f"worker RSS:   max {max(worker) / 1024:.1f} MB")
print("RSS samples (MB, 0.5 s apart): " + " ".join(f"{r[1] / 1024:.1f}" for r in rows))
EOF
echo "accepted:     $accepted ($(grep -o 'accepted knock.*' "$tmp/daemon.err" | head -1))"
echo "nft set:      ${element:-<no element>}"
grep -o 'stopping:.*' "$tmp/daemon.err" | sed 's/^/daemon:       /' || true
[ "$accepted" = yes ] && [ -n "$element" ]
