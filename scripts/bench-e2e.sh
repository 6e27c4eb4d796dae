#!/usr/bin/env bash
# End-to-end benchmark, KnockKnock side by side with fwknop (docs/PERFORMANCE.md, section 5): from
# the client's exec to the protected port open, in one run, arms interleaved.
#   fwknop    fwknopd 2.6.10 (Debian's fwknop-server) in ENABLE_UDP_SERVER mode, stock settings,
#             access rule: SOURCE ANY, OPEN_PORTS tcp/2222, FW_ACCESS_TIMEOUT 2, HMAC; client:
#             Debian's fwknop with an rc stanza (-n bench --no-save-args, ALLOW_IP the client)
#   nft       knockknock-daemon --firewall nft, a profile of --protocol (default 2) allowing 2222,
#             delay 2, firewall from knockknock-minimal-firewall; client: knockknock -p 2222 SERVER
#             (the default invocation: decoy retransmissions on)
#   iptables  the same with --firewall iptables
# Each arm has its own server namespace behind its own veth pair to one client namespace
# (198.18.1N.1 <-> 198.18.1N.2, /24, no default route, static neighbours): nothing leaves this
# machine, and the arms' firewalls never meet. Server side (daemons and their workers or
# firewall tools, tcpdump) pinned to --server-cpu, client side (launcher and every client) to
# --client-cpu, with taskset. Each round knocks once per arm, the arms' order rotating.
# How each knock is timed (all CLOCK_REALTIME, kernel stamps where the packet is concerned):
#   exec    the launcher reads the clock just before posix_spawn of the client
#   packet  tcpdump on the server's veth stamps the knock (KnockKnock: the SYN to the knock port;
#           fwknop: the UDP datagram to 62201) as the client's sendto hands it to the veth
#   open    the same tcpdump stamps the server's first SYN-ACK from port 2222: once the launcher
#           sees the knock arrive (tcpdump --immediate-mode: libpcap's default buffering handed
#           packets over up to ~100 ms late, and the probes started that late; docs/PERFORMANCE.md,
#           section 5) it connects to 2222 every 1 ms (a new non-blocking socket each
#           time), so the first SYN the firewall lets through, at most 1 ms after it opened,
#           draws that SYN-ACK; open is at most 1 ms late, for every arm alike
#   exit    the client's exit (a pidfd), for exec -> exit
# Before each knock the launcher makes sure 2222 is closed again (a KnockKnock opening is used up
# by its first connection; fwknop's rule expires after 2 s).
# Reports p50 / p90 / max of exec -> open, exec -> packet, packet -> open and exec -> exit per arm,
# and KnockKnock / fwknop ratios of the p50s. Exit 0 when every knock of every arm opened.
# Cleans up (processes by PID, namespaces, files) on exit, failure and Ctrl-C. It sets
# net.netfilter.nf_log_all_netns=1 (the daemons read LOG lines from their namespaces) and leaves it.
# Usage: scripts/bench-e2e.sh [--prefix DIR] [--knocks N] [--protocol 1|2] [--arms LIST]
#                             [--server-cpu N] [--client-cpu N] [--rps] [--keep]
#   --prefix DIR     an install.sh prefix (NativeAOT knockknock, knockknock-daemon,
#                    knockknock-genprofile, knockknock-minimal-firewall); default: install.sh into a temp prefix
#   --knocks N       measured knocks per arm (default 30), after 2 warm-up rounds
#   --protocol P     the KnockKnock profiles' protocol (default 2, as genprofile makes them)
#   --arms LIST      comma-separated, of fwknop,nft,iptables (default all three)
#   --server-cpu N   CPU of the server side (default 1); --client-cpu N: of the client side (default 0)
#   --rps            steer each server namespace's packet receive to --server-cpu (receive packet
#                    steering), as a real server's NIC interrupt would be: without it veth delivers
#                    in the sender's context, on the client's busy CPU, where the LOG line's printk
#                    wakes the daemons only at that CPU's next timer tick (docs/PERFORMANCE.md, section 8)
#   --keep           keep the temp directory (daemon logs, captures, raw samples) and print its path
# Needs root, apt-get (fwknop-server and fwknop-client are installed when missing), ip, iptables
# (nf_tables), nft, tcpdump, taskset, python3.
set -euo pipefail

prefix=
knocks=30
protocol=2
arms=fwknop,nft,iptables
server_cpu=1
client_cpu=0
keep=0
rps=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --knocks) knocks=$2; shift 2 ;;
        --protocol) protocol=$2; shift 2 ;;
        --arms) arms=$2; shift 2 ;;
        --server-cpu) server_cpu=$2; shift 2 ;;
        --client-cpu) client_cpu=$2; shift 2 ;;
        --rps) rps=1; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,44p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-e2e.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for number in "$knocks" "$server_cpu" "$client_cpu"; do
    case "$number" in ''|*[!0-9]*) echo "bench-e2e.sh: --knocks, --server-cpu and --client-cpu take numbers" >&2; exit 2 ;; esac
done
case "$protocol" in 1|2) ;; *) echo "bench-e2e.sh: --protocol takes 1 or 2" >&2; exit 2 ;; esac
IFS=, read -r -a arm_list <<< "$arms"
for arm in "${arm_list[@]}"; do
    case "$arm" in fwknop|nft|iptables) ;; *) echo "bench-e2e.sh: unknown arm '$arm' (fwknop, nft, iptables)" >&2; exit 2 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "bench-e2e.sh: must run as root (network namespaces, firewalls, daemons)" >&2; exit 1; }
# Under chrt -f its launcher once stopped making progress after the last round and held a CPU
# until killed (docs/PERFORMANCE.md, section 5): refuse a real-time policy.
case "$(chrt -p $$ 2>/dev/null)" in
    *SCHED_FIFO*|*SCHED_RR*) echo "bench-e2e.sh: refusing to run under a real-time scheduling policy (see docs/PERFORMANCE.md, section 5)" >&2; exit 2 ;;
esac
if ! command -v fwknop >/dev/null || ! command -v fwknopd >/dev/null; then
    echo "installing fwknop-server and fwknop-client (apt-get; Debian ships fwknopd disabled)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fwknop-server fwknop-client >/dev/null
fi
for tool in ip iptables nft tcpdump taskset python3 fwknop fwknopd; do
    command -v "$tool" >/dev/null || { echo "bench-e2e.sh: $tool is needed" >&2; exit 1; }
done

root=$(cd "$(dirname "$0")/.." && pwd)
# The daemons drop to an unprivileged user that must reach its state directory: 0755.
tmp=$(mktemp -d /tmp/knockknock-e2e-XXXXXX)
chmod 755 "$tmp"
client_ns=kke2e-c-$$
namespaces=()
pids=()
cleanup() {
    local status=$?
    set +e
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for ns in "${namespaces[@]}"; do ip netns delete "$ns" 2>/dev/null; done
    if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
    [ "$status" -eq 0 ] || echo "bench-e2e.sh: failed (exit $status); processes, namespaces and files removed" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$prefix" ]; then
    prefix=$tmp/prefix
    echo "building the NativeAOT binaries into $prefix (scripts/install.sh)..."
    "$root/scripts/install.sh" --prefix "$prefix" >/dev/null
fi
bin=$prefix/bin
for c in knockknock knockknock-daemon knockknock-genprofile knockknock-minimal-firewall; do
    [ -x "$bin/$c" ] || { echo "bench-e2e.sh: no $bin/$c" >&2; exit 1; }
done
sysctl -qw net.netfilter.nf_log_all_netns=1
daemon_user=knockknock
getent passwd knockknock >/dev/null || daemon_user=nobody

ip netns add "$client_ns"
namespaces+=("$client_ns")
ip -n "$client_ns" link set lo up
mkdir -m 700 "$tmp/client"
specs=()   # name:server address:what the launcher runs (see the launcher below)
index=0
for arm in "${arm_list[@]}"; do
    index=$((index + 1))
    ns=kke2e-$arm-$$
    server=198.18.1$index.1
    client=198.18.1$index.2
    ip netns add "$ns"
    namespaces+=("$ns")
    ip link add "srv$index" netns "$client_ns" type veth peer name cli netns "$ns"
    ip -n "$client_ns" addr add "$client/24" dev "srv$index"
    ip -n "$ns" addr add "$server/24" dev cli
    ip -n "$ns" link set lo up
    ip -n "$ns" link set cli up
    ip -n "$client_ns" link set "srv$index" up
    if [ "$rps" = 1 ]; then
        ip netns exec "$ns" sh -c "printf '%x\n' $((1 << server_cpu)) > /sys/class/net/cli/queues/rx-0/rps_cpus"
    fi
    # Static neighbours both ways: no ARP inside a measured knock.
    ip -n "$client_ns" neigh replace "$server" lladdr "$(ip -n "$ns" -br link show cli | awk '{print $3}')" dev "srv$index" nud permanent
    ip -n "$ns" neigh replace "$client" lladdr "$(ip -n "$client_ns" -br link show "srv$index" | awk '{print $3}')" dev cli nud permanent
    dir=$tmp/$arm
    mkdir -m 755 "$dir"
    # The protected service: a listener on 2222 that accepts and closes.
    ip netns exec "$ns" taskset -c "$server_cpu" python3 -c '
import socket
listener = socket.create_server(("0.0.0.0", 2222), backlog=64)
while True:
    listener.accept()[0].close()' &
    pids+=($!)
    if [ "$arm" = fwknop ]; then
        keys=$(fwknop --rc-file "$dir/keygen.rc" --key-gen)
        key=$(sed -n 's/^KEY_BASE64: //p' <<< "$keys")
        hmac=$(sed -n 's/^HMAC_KEY_BASE64: //p' <<< "$keys")
        mkdir -m 700 "$dir/run"
        printf 'ENABLE_UDP_SERVER Y;\nUDPSERV_PORT 62201;\nFWKNOP_RUN_DIR %s;\n' "$dir/run" > "$dir/fwknopd.conf"
        printf 'SOURCE ANY\nOPEN_PORTS tcp/2222\nKEY_BASE64 %s\nHMAC_KEY_BASE64 %s\nFW_ACCESS_TIMEOUT 2\n' "$key" "$hmac" > "$dir/access.conf"
        printf '[bench]\nSPA_SERVER %s\nACCESS tcp/2222\nALLOW_IP %s\nKEY_BASE64 %s\nHMAC_KEY_BASE64 %s\nUSE_HMAC Y\n' "$server" "$client" "$key" "$hmac" > "$tmp/client/fwknop.rc"
        chmod 600 "$dir/fwknopd.conf" "$dir/access.conf" "$tmp/client/fwknop.rc"
        ip netns exec "$ns" iptables -w -A INPUT -i lo -j ACCEPT
        ip netns exec "$ns" iptables -w -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
        ip netns exec "$ns" iptables -w -A INPUT -p udp --dport 62201 -j ACCEPT
        ip netns exec "$ns" iptables -w -P INPUT DROP
        ip netns exec "$ns" taskset -c "$server_cpu" fwknopd --foreground -c "$dir/fwknopd.conf" -a "$dir/access.conf" \
            -d "$dir/digest.cache" -p "$dir/run/fwknopd.pid" -i cli > "$dir/server.log" 2>&1 &
        pids+=($!)
        ready="Kicking off UDP server"
        specs+=("$arm:$ns:$server:udp:62201:$(command -v fwknop) --rc-file $tmp/client/fwknop.rc -n bench --no-save-args")
    else
        knock_port=$((7000 + index))
        printf '[main]\ndelay = 2\nuser = %s\n' "$daemon_user" > "$dir/config"
        "$bin/knockknock-genprofile" bench "$knock_port" --allow 2222 --protocol "$protocol" --config-dir "$dir" >/dev/null
        cp -a "$dir/profiles/bench" "$tmp/client/$arm"
        ip netns exec "$ns" "$bin/knockknock-minimal-firewall" --firewall "$arm" --config-dir "$dir" \
            --knockknock-daemon "$bin/knockknock-daemon" > "$dir/firewall.log" 2>&1 \
            || { echo "bench-e2e.sh: knockknock-minimal-firewall failed:" >&2; cat "$dir/firewall.log" >&2; exit 1; }
        ip netns exec "$ns" taskset -c "$server_cpu" "$bin/knockknock-daemon" --foreground --config-dir "$dir" \
            --state-dir "$dir/state" --firewall "$arm" --log-source kmsg > "$dir/server.log" 2>&1 &
        pids+=($!)
        ready="started:"
        specs+=("$arm:$ns:$server:tcp:$knock_port:$bin/knockknock -p 2222 $server --profile-dir $tmp/client/$arm")
    fi
    for _ in $(seq 100); do grep -qs "$ready" "$dir/server.log" && break; sleep 0.1; done
    grep -qs "$ready" "$dir/server.log" || { echo "bench-e2e.sh: the $arm server did not start:" >&2; cat "$dir/server.log" >&2; exit 1; }
done

echo "== $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); server side on CPU $server_cpu, client side on CPU $client_cpu;" \
    "$knocks knocks per arm after 2 warm-up rounds; KnockKnock profiles: protocol $protocol;" \
    "$([ "$rps" = 1 ] && echo "the servers' packet receive on CPU $server_cpu (--rps)" || echo "the servers' packet receive on the sender's CPU (no --rps)")"
ip netns exec "$client_ns" taskset -c "$client_cpu" python3 - "$tmp" "$knocks" "$server_cpu" "${specs[@]}" <<'EOF'
import ctypes, errno, os, re, select, signal, socket, statistics, subprocess, sys, time

tmp, knocks, server_cpu, specs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
warmup = 2
service = 2222

def now():
    return time.clock_gettime_ns(time.CLOCK_REALTIME)

# The clients' decoy retransmission processes detach; as their subreaper this launcher inherits
# them and ends them by PID at the end.
PR_SET_CHILD_SUBREAPER = 36
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("bench-e2e.sh: prctl(PR_SET_CHILD_SUBREAPER) failed")

line_pattern = re.compile(r"^(\d+)\.(\d+) IP (\S+)\.(\d+) > (\S+)\.(\d+): (.*)$")
sequence_pattern = re.compile(r"Flags \[S\], seq (\d+)")

class Arm:
    def __init__(self, spec):
        self.name, self.ns, self.server, self.proto, port, command = spec.split(":", 5)
        self.knock_port = int(port)
        self.argv = command.split()
        self.samples = []   # (exec->open, exec->packet, packet->open, exec->exit) in ms, or None when it never opened
        self.pending = b""
        self.events = []    # (kind, stamp ns): "knock" or "open"
        # A decoy retransmission repeats its knock's source port and sequence number: only a SYN
        # not seen before is a knock.
        self.seen = set()

arms = [Arm(spec) for spec in specs]
captures = []
try:
    for arm in arms:
        ns = arm.ns
        knock_filter = f"udp dst port {arm.knock_port}" if arm.proto == "udp" else f"(tcp dst port {arm.knock_port} and tcp[tcpflags] & tcp-syn != 0)"
        capture = subprocess.Popen(
            ["ip", "netns", "exec", ns, "taskset", "-c", server_cpu, "tcpdump", "-i", "cli", "-n", "-l", "--immediate-mode", "-tt", "--time-stamp-precision=nano",
             f"{knock_filter} or (tcp src port {service} and tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack))"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        captures.append(capture)
        arm.capture = capture
        for line in capture.stderr:
            if b"listening on" in line:
                break
        else:
            sys.exit(f"bench-e2e.sh: tcpdump in {ns} did not start")
        os.set_blocking(capture.stdout.fileno(), False)

    def drain(arm):
        try:
            data = os.read(arm.capture.stdout.fileno(), 65536)
        except BlockingIOError:
            return
        arm.pending += data
        *complete, arm.pending = arm.pending.split(b"\n")
        for raw in complete:
            m = line_pattern.match(raw.decode())
            if not m:
                continue
            stamp = int(m.group(1)) * 10**9 + int(m.group(2).ljust(9, "0"))
            if int(m.group(4)) == service and m.group(3) == arm.server:
                arm.events.append(("open", stamp))
            elif int(m.group(6)) == arm.knock_port:
                sequence = sequence_pattern.search(m.group(7))
                key = (m.group(4), sequence.group(1)) if sequence else None
                if key is None or key not in arm.seen:
                    arm.seen.add(key)
                    arm.events.append(("knock", stamp))

    def port_is_open(arm):
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.setblocking(False)
        probe.connect_ex((arm.server, service))
        _, writable, _ = select.select([], [probe], [], 0.05)
        opened = bool(writable) and probe.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
        probe.close()
        return opened

    def wait_until_closed(arm):
        deadline = time.monotonic() + 15
        while port_is_open(arm):
            if time.monotonic() > deadline:
                sys.exit(f"bench-e2e.sh: {arm.name}: port {service} still open 15 s after the last knock")
            time.sleep(0.2)
        time.sleep(0.05)
        drain(arm)
        arm.events.clear()

    devnull = os.open(os.devnull, os.O_WRONLY)

    def knock(arm):
        wait_until_closed(arm)
        start = now()
        pid = os.posix_spawn(arm.argv[0], arm.argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
        pidfd = os.pidfd_open(pid)
        exited = None
        knocked = None
        opened = None
        probes = []
        next_probe = 0
        deadline = time.monotonic() + 3
        fd = arm.capture.stdout.fileno()
        while (exited is None or opened is None) and time.monotonic() < deadline:
            timeout = 0.5 if knocked is None else max(0.0, next_probe - time.monotonic())
            readable, _, _ = select.select([fd] if exited is not None else [pidfd, fd], [], [], timeout)
            if pidfd in readable and exited is None:
                exited = now()
                _, status = os.waitpid(pid, 0)
                if status != 0:
                    sys.exit(f"bench-e2e.sh: {arm.name}: the client failed (wait status {status})")
            if fd in readable:
                drain(arm)
                for kind, stamp in arm.events:
                    if kind == "knock" and knocked is None and stamp >= start:
                        knocked = stamp
                    elif kind == "open" and opened is None and knocked is not None and stamp >= knocked:
                        opened = stamp
            if knocked is not None and opened is None and time.monotonic() >= next_probe:
                probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                probe.setblocking(False)
                probe.connect_ex((arm.server, service))
                probes.append(probe)
                next_probe = time.monotonic() + 0.001
        for probe in probes:
            probe.close()
        os.close(pidfd)
        if exited is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.exit(f"bench-e2e.sh: {arm.name}: the client did not exit within 3 s")
        if knocked is None:
            sys.exit(f"bench-e2e.sh: {arm.name}: no knock packet reached the server")
        if opened is None:
            return None
        return ((opened - start) / 1e6, (knocked - start) / 1e6, (opened - knocked) / 1e6, (exited - start) / 1e6)

    for round_ in range(warmup + knocks):
        for k in range(len(arms)):
            arm = arms[(round_ + k) % len(arms)]
            sample = knock(arm)
            if round_ >= warmup:
                arm.samples.append(sample)
        if round_ >= warmup and (round_ - warmup + 1) % 10 == 0:
            print(f"  {round_ - warmup + 1} of {knocks} rounds", flush=True)
finally:
    for capture in captures:
        capture.send_signal(signal.SIGINT)
        capture.wait(timeout=10)
    # Decoy retransmission processes still running: this launcher's children now.
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
            os.waitpid(-1, 0)
        except ChildProcessError:
            break

def stats(values):
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, int(len(values) * 0.9))], values[-1]

names = ("exec -> open", "exec -> packet", "packet -> open", "exec -> exit")
print(f"{'arm':9} {'opened':>7}   " + "   ".join(f"{n:>20}" for n in names))
print(f"{'':9} {'':>7}   " + "   ".join(f"{'p50 / p90 / max ms':>20}" for n in names))
p50 = {}
failed = False
for arm in arms:
    good = [s for s in arm.samples if s is not None]
    failed |= len(good) != len(arm.samples)
    if not good:
        print(f"{arm.name:9} {0:>3}/{len(arm.samples):<3}")
        continue
    columns = [stats([s[i] for s in good]) for i in range(4)]
    p50[arm.name] = [c[0] for c in columns]
    print(f"{arm.name:9} {len(good):>3}/{len(arm.samples):<3}   " + "   ".join(f"{c[0]:6.1f} {c[1]:6.1f} {c[2]:6.1f}" for c in columns))
if "fwknop" in p50:
    for name in p50:
        if name != "fwknop":
            print(f"{name} / fwknop, p50: " + ", ".join(f"{n} {p50[name][i] / p50['fwknop'][i]:.2f}" for i, n in enumerate(names)))
with open(os.path.join(tmp, "samples.txt"), "w") as out:
    for arm in arms:
        for s in arm.samples:
            out.write(f"{arm.name} {' '.join('-' if s is None else f'{v:.3f}' for v in (s or [None]))}\n")
sys.exit(1 if failed else 0)
EOF
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
