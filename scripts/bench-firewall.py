#!/usr/bin/env python3
"""Firewall benchmark of knockknock-daemon (docs/PERFORMANCE.md, "Packet to open port").

Measures, per firewall backend (nft, iptables) and per build (--prefix, and --old-prefix for a side
by side comparison), with the daemon and its worker pinned to one CPU (taskset):

  latency     packet on the wire -> port open: the client namespace sends a real knock SYN, then
              tries to connect every --step seconds until a connection gets in; the time from the
              knock's sendto() to the connect() that got in. Arms (build x backend) are
              interleaved round by round, so all see the same machine noise.
  sustained   --rate distinct valid knocks per second for --seconds, from 8000 source addresses:
              knocks accepted (all must be), the lag from each knock's send to the daemon's
              "accepted knock" line, and the RSS and PSS of daemon and worker idle (--settle s after
              start), 2 s after the run, and again once every opening has expired and the worker has been idle through
              one of its 10 s firewall checks since (the last acceptance + the delay + 12 s); with
              --memory, where each process's RSS goes (mappings from /proc/PID/smaps) and its threads.
  idle        with --idle-minutes, instead of both: every arm's daemon started at once and left
              without a knock, its RSS every 20 s (an idle daemon still allocates at its status
              ticks, until a collection).

Where the server's packet receive runs matters (docs/PERFORMANCE.md section 8): veth delivers a
packet in the sender's context, so the server namespace's netfilter, and the LOG line's printk, run
on the client's CPU, which is busy; printk then wakes the daemon only at that CPU's next timer tick
(a lazy irq_work), up to 4 ms later. On a real server the NIC's interrupt lands on an idle server
CPU, whose tick is stopped, and the wake-up is immediate. --rps steers the server namespace's receive
to --cpu (receive packet steering), which is that case.

Knocks are made once by the real client (whatever protocol it speaks) towards a capture namespace
with the server's address, recorded, and replayed as raw packets, the source address rewritten
(profiles without bind_source). Every daemon run gets a fresh state directory and a disjoint slice
of the knocks (the profile's counter seed is set to its first one), so no knock can count twice;
with --same-knocks every sustained run replays the same slice instead (each daemon still starts from
a fresh state directory at the slice's first counter, so each accepts every knock once), so a long
sustained run per arm needs rate x seconds knocks made, not that many per arm.

Usage (root; everything happens in network namespaces it creates and deletes):
  scripts/bench-firewall.py --prefix DIR [--old-prefix DIR] [--firewall nft,iptables]
      [--rounds 5] [--knocks 40] [--rate 500] [--seconds 20] [--old-seconds 2] [--cpu 1]
      [--knock-cache FILE] [--same-knocks] [--memory] [--rps] [--gap 0.05]
Memory (docs/PERFORMANCE.md section 8): --rounds 0 --rate 500 --seconds 20 --old-seconds 20 --same-knocks --memory
  --settle 90 (the idle figure after the first collection, which idle status ticks bring within a minute)
The first knock after an idle release (docs/PERFORMANCE.md section 8): --firewall nft --rounds 2 --knocks 5 --gap 25 --rate 0 --rps
Idle over time (no knock; every arm at once, so that all read the same kernel log): --idle-minutes 10
DIR is an install.sh prefix (bin/knockknock, bin/knockknock-daemon, bin/knockknock-minimal-firewall).
"""

import argparse
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

KNOCK_PORT = 7000
DELAY = 15
SERVICE = 2222
SERVER = "198.18.0.1"
CLIENT = "198.18.0.2"
LATENCY_SOURCES = [f"198.18.0.{10 + i}" for i in range(100)]
# Enough sources that none knocks again within the delay (15 s at 500/s: 7500 live openings).
RATE_SOURCES = [f"198.18.{32 + i // 250}.{1 + i % 250}" for i in range(8000)]
ME = os.path.abspath(__file__)


def run(*argv, check=True, **kw):
    result = subprocess.run(argv, check=False, text=True, capture_output=True, **kw)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {result.returncode}: {result.stderr.strip()}")
    return result


# ---- helpers that run inside a namespace (ip netns exec NS python3 bench-firewall.py HELPER ...) ----

def helper_capture(out_path, count):
    """Records the first `count` distinct TCP SYNs to KNOCK_PORT seen on any interface (IPv4 packets)."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    seen, packets = set(), []
    print("ready", flush=True)
    while len(packets) < count:
        frame = sock.recv(65535)
        packet = frame[14:]
        ihl = (packet[0] & 0x0F) * 4
        if packet[9] != 6 or len(packet) < ihl + 20:
            continue
        sport, dport, seq = struct.unpack("!HHI", packet[ihl:ihl + 8])
        flags = packet[ihl + 13]
        if dport != KNOCK_PORT or flags & 0x12 != 0x02 or (sport, seq) in seen:
            continue  # not a knock SYN, or a retransmission of one
        seen.add((sport, seq))
        packets.append(packet)
    with open(out_path, "wb") as f:
        for p in packets:
            f.write(struct.pack("!H", len(p)) + p)


def load_knocks(path):
    data, knocks, at = open(path, "rb").read(), [], 0
    while at < len(data):
        (n,) = struct.unpack("!H", data[at:at + 2])
        knocks.append(data[at + 2:at + 2 + n])
        at += 2 + n
    return knocks


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def with_source(packet, source):
    """The IPv4 knock with another source address, IP and TCP checksums made again."""
    ihl = (packet[0] & 0x0F) * 4
    p = bytearray(packet)
    p[12:16] = socket.inet_aton(source)
    p[10:12] = b"\0\0"
    p[10:12] = struct.pack("!H", checksum(bytes(p[:ihl])))
    tcp = bytearray(p[ihl:])
    tcp[16:18] = b"\0\0"
    pseudo = bytes(p[12:20]) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp[16:18] = struct.pack("!H", checksum(pseudo + bytes(tcp)))
    return bytes(p[:ihl]) + bytes(tcp)


def raw_sender():
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    return s


def helper_latency(knock_file, first, count, step, timeout, gap):
    """Per knock: wait `gap` s, send it from a fresh source, then connect every `step` s until one gets in."""
    knocks, raw = load_knocks(knock_file), raw_sender()
    for i in range(first, first + count):
        time.sleep(gap)
        source = LATENCY_SOURCES[i % len(LATENCY_SOURCES)]
        packet = with_source(knocks[i], source)
        sent = time.monotonic()
        raw.sendto(packet, (SERVER, 0))
        result = "lost"
        while time.monotonic() - sent < timeout:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.bind((source, 0))
            attempt = time.monotonic()
            try:
                s.connect((SERVER, SERVICE))
            except BlockingIOError:
                pass
            _, writable, _ = select.select([], [s], [], step)
            if writable and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                result = f"{(attempt - sent) * 1e3:.3f}"
                s.close()
                break
            s.close()
        print(result, flush=True)


def helper_sustained(knock_file, first, count, rate):
    """Sends knocks first.. at `rate` per second, sources round-robin over RATE_SOURCES; prints the send times."""
    knocks, raw = load_knocks(knock_file), raw_sender()
    packets = [with_source(knocks[first + i], RATE_SOURCES[i % len(RATE_SOURCES)]) for i in range(count)]
    start = time.monotonic() + 0.2
    times = []
    for i, packet in enumerate(packets):
        due = start + i / rate
        while (now := time.monotonic()) < due:
            if due - now > 0.002:
                time.sleep(due - now - 0.001)
        raw.sendto(packet, (SERVER, 0))
        times.append(time.monotonic())
    print(" ".join(f"{t:.6f}" for t in times), flush=True)


def helper_listen(port):
    """Accepts connections on `port` and closes them (the service the knocks open)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(512)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        c.close()


# ---- orchestration (initial namespace) ----

class Namespaces:
    """A server and a client namespace joined by a veth pair: 198.18.0.0/16, no route out."""

    def __init__(self, tag, rps_cpu=None):
        self.server, self.client = f"kkfb{os.getpid()}{tag}s", f"kkfb{os.getpid()}{tag}c"
        for ns in (self.server, self.client):
            run("ip", "netns", "add", ns)
            run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        a, b = f"kfb{os.getpid() % 10000}{tag}a", f"kfb{os.getpid() % 10000}{tag}b"
        run("ip", "link", "add", a, "netns", self.server, "type", "veth", "peer", "name", b, "netns", self.client)
        run("ip", "netns", "exec", self.server, "ip", "addr", "add", SERVER + "/16", "dev", a)
        run("ip", "netns", "exec", self.client, "ip", "addr", "add", CLIENT + "/16", "dev", b)
        for address in LATENCY_SOURCES:
            run("ip", "netns", "exec", self.client, "ip", "addr", "add", address + "/16", "dev", b)
        run("ip", "netns", "exec", self.server, "ip", "link", "set", a, "up")
        run("ip", "netns", "exec", self.client, "ip", "link", "set", b, "up")
        if rps_cpu is not None:
            # --rps: the server's receive path (netfilter, its LOG line) runs on the server's CPU.
            run("ip", "netns", "exec", self.server, "sh", "-c", f"echo {1 << rps_cpu:x} > /sys/class/net/{a}/queues/rx-0/rps_cpus")

    def close(self):
        for ns in (self.server, self.client):
            run("ip", "netns", "delete", ns, check=False)


def helper_knock(client, profile, count):
    """Runs the real client `count` times, one after the other (inside the capture's client namespace)."""
    started = time.monotonic()
    for i in range(count):
        # --no-retransmit: a protocol 2 knock would leave a decoy sender running for a minute each.
        subprocess.run([client, "-p", str(SERVICE), SERVER, "--profile-dir", profile, "--no-retransmit"], check=True, stdout=subprocess.DEVNULL)
        if i % 2000 == 1999:
            print(f"  {i + 1} knocks made ({(time.monotonic() - started) / (i + 1) * 1e3:.1f} ms each)", flush=True)


def generate_knocks(prefix, client_profile, count, path):
    """Runs the real client `count` times against a capture namespace; records each knock once."""
    ns = Namespaces("g")
    try:
        run("ip", "netns", "exec", ns.server, "nft", "-f", "-",
            input="table inet capture {\n chain input { type filter hook input priority 0; policy drop; }\n}\n")
        capture = subprocess.Popen(["ip", "netns", "exec", ns.server, sys.executable, ME, "capture", path, str(count)],
                                   stdout=subprocess.PIPE, text=True)
        assert capture.stdout.readline().strip() == "ready"
        subprocess.run(["ip", "netns", "exec", ns.client, sys.executable, ME, "knock", f"{prefix}/bin/knockknock", client_profile, str(count)], check=True)
        capture.wait(timeout=60)
    finally:
        ns.close()


class Daemon:
    """knockknock-daemon --foreground in the server namespace, pinned to one CPU, stderr timestamped."""

    def __init__(self, prefix, ns, config, state, backend, cpu):
        self.lines, self.accepted = [], []
        self.process = subprocess.Popen(
            ["taskset", "-c", str(cpu), "ip", "netns", "exec", ns.server, f"{prefix}/bin/knockknock-daemon", "--foreground",
             "--config-dir", config, "--state-dir", state, "--firewall", backend, "--log-source", "kmsg"],
            stderr=subprocess.PIPE, text=True)
        self.started = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.started.wait(30):
            self.stop()
            raise RuntimeError("the daemon did not start:\n" + "\n".join(self.lines))
        self.worker = int(next(l for l in self.lines if "started:" in l).split("worker pid ")[1].split(")")[0])

    def _read(self):
        for line in self.process.stderr:
            now = time.monotonic()
            self.lines.append(line.rstrip("\n"))
            if "accepted knock:" in line:
                self.accepted.append(now)
            elif "started:" in line:
                self.started.set()

    def rss(self):
        """(Rss, Pss) of daemon and worker in kB: Pss shares the pages both map (the executable, libc) between them."""
        def kb(pid):
            values = {l.split(":")[0]: int(l.split()[1]) for l in open(f"/proc/{pid}/smaps_rollup") if l.rstrip().endswith("kB")}
            return values["Rss"], values["Pss"]
        return kb(self.process.pid), kb(self.worker)

    def mappings(self):
        """Per process (daemon, worker): its threads and the RSS in kB of each mapping (file name, or [heap], [stack], [anon])."""
        def one(pid):
            rss, name = {}, None
            for line in open(f"/proc/{pid}/smaps"):
                fields = line.split()
                if not fields[0].endswith(":"):
                    name = fields[5] if len(fields) > 5 else "[anon]"
                elif fields[0] == "Rss:":
                    rss[name] = rss.get(name, 0) + int(fields[1])
            return len(os.listdir(f"/proc/{pid}/task")), rss
        return one(self.process.pid), one(self.worker)

    def cpu(self):
        """CPU seconds (user + system) daemon and worker have used."""
        def seconds(pid):
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return seconds(self.process.pid), seconds(self.worker)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            # An older build removes each opening with a process of its own: hundreds take a while.
            self.process.wait(timeout=180)


class Arm:
    """One build and one backend: fresh namespaces, its own minimal firewall, its own daemon."""

    def __init__(self, name, prefix, backend, bench):
        self.name, self.prefix, self.backend, self.bench = name, prefix, backend, bench
        self.latencies, self.lost = [], 0

    def start(self, first_counter, tag):
        b = self.bench
        with open(b.counter_file, "w") as f:
            f.write(f"{first_counter}\n")
        self.ns = Namespaces(tag, b.args.cpu if b.args.rps else None)
        self.state = tempfile.mkdtemp(dir=b.tmp)
        os.chmod(self.state, 0o755)
        result = run("ip", "netns", "exec", self.ns.server, f"{self.prefix}/bin/knockknock-minimal-firewall", "--firewall", self.backend,
                     "--config-dir", b.config, "--knockknock-daemon", f"{self.prefix}/bin/knockknock-daemon", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{self.name}: minimal-firewall failed: {result.stderr}")
        self.listener = subprocess.Popen(["ip", "netns", "exec", self.ns.server, sys.executable, ME, "listen", str(SERVICE)],
                                         stdout=subprocess.PIPE, text=True)
        assert self.listener.stdout.readline().strip() == "ready"
        self.daemon = Daemon(self.prefix, self.ns, b.config, os.path.join(self.state, "state"), self.backend, b.args.cpu)

    def stop(self):
        self.daemon.stop()
        self.listener.kill()
        self.listener.wait()
        self.ns.close()

    def helper(self, *argv):
        return run("taskset", "-c", str(self.bench.client_cpu), "ip", "netns", "exec", self.ns.client, sys.executable, ME, *map(str, argv)).stdout


class Bench:
    def __init__(self, args):
        self.args = args
        self.client_cpu = 0 if args.cpu != 0 else 1
        self.tmp = tempfile.mkdtemp(prefix="knockknock-fwbench-")
        os.chmod(self.tmp, 0o755)
        self.config = os.path.join(self.tmp, "config")
        # With an older build beside it, protocol 1, which both read (the server path differs only in the per-line cost, microseconds).
        protocol = ["--protocol", "1"] if args.old_prefix else []
        run(f"{args.prefix}/bin/knockknock-genprofile", "bench", str(KNOCK_PORT), "--allow", str(SERVICE), "--config-dir", self.config, *protocol)
        if args.old_prefix:
            # Builds before protocol 2 refuse the key; without it a profile is protocol 1.
            profile_config = os.path.join(self.config, "profiles", "bench", "config")
            with open(profile_config) as f:
                kept = [line for line in f if not line.startswith("protocol")]
            with open(profile_config, "w") as f:
                f.writelines(kept)
        with open(os.path.join(self.config, "config"), "w") as f:
            f.write(f"[main]\nuser = nobody\ndelay = {DELAY}\nmax_openings = 16384\n")
        self.counter_file = os.path.join(self.config, "profiles", "bench", "counter")
        self.next_counter = 0

    def slice(self, count):
        first, self.next_counter = self.next_counter, self.next_counter + count
        return first


def fdatasync_ms(directory, count=50):
    """Median wall time of one 39-byte pwrite and fdatasync in `directory`, what the worker does per knock."""
    path = os.path.join(directory, "fdatasync-probe")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.pwrite(fd, b"\0" * 8192, 0)
        os.fsync(fd)
        times = []
        for i in range(count):
            start = time.perf_counter()
            os.pwrite(fd, b"%038d\n" % i, (i % 2) * 4096)
            os.fdatasync(fd)
            times.append((time.perf_counter() - start) * 1e3)
        return percentile(times, 50)
    finally:
        os.close(fd)
        os.unlink(path)


def idle_run(arms, minutes):
    """Every arm's daemon at once, and no knock at all, for MINUTES: RSS of daemon and worker every 20 s."""
    print(f"load {os.getloadavg()[0]:.1f}; {len(arms)} arms idle at once for {minutes:g} min, RSS daemon + worker (MB) every 20 s:", flush=True)
    for n, arm in enumerate(arms):
        arm.start(0, f"i{n}")
    try:
        start = time.time()
        while True:
            row = []
            for arm in arms:
                (daemon, _), (worker, _) = arm.daemon.rss()
                row.append(f"{arm.name} {daemon / 1024:.2f} + {worker / 1024:.2f} = {(daemon + worker) / 1024:.2f}")
            print(f"  {time.time() - start:5.0f} s: " + "; ".join(row), flush=True)
            if time.time() - start >= minutes * 60:
                break
            time.sleep(20)
    finally:
        for arm in arms:
            arm.stop()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--old-prefix")
    parser.add_argument("--firewall", default="nft,iptables")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--knocks", type=int, default=40, help="latency knocks per arm and round")
    parser.add_argument("--rate", type=int, default=500, help="knocks per second of the sustained runs (0: none)")
    parser.add_argument("--seconds", type=int, default=20, help="sustained run of the --prefix build")
    parser.add_argument("--old-seconds", type=int, default=2, help="sustained run of the --old-prefix build")
    parser.add_argument("--step", type=float, default=0.0002, help="seconds between connection attempts")
    parser.add_argument("--gap", type=float, default=0.05,
                        help="seconds before each latency knock; over 20 the worker has made its idle release before each "
                             "(the nft worker has then unloaded libnftables, and the knock loads it again)")
    parser.add_argument("--cpu", type=int, default=1, help="the CPU daemon and worker are pinned to")
    parser.add_argument("--rps", action="store_true",
                        help="steer the server namespace's packet receive to --cpu (RPS), as a real server's NIC interrupt would be; "
                             "without it the client's CPU runs it, where veth delivers")
    parser.add_argument("--same-knocks", action="store_true", help="every sustained run replays the same knocks (fresh state each)")
    parser.add_argument("--memory", action="store_true", help="also print where each process's RSS goes (mappings, threads)")
    parser.add_argument("--settle", type=float, default=2, help="seconds from start to the idle measurement of a sustained run")
    parser.add_argument("--idle-minutes", type=float,
                        help="instead of latency and sustained runs: every arm idle at once, no knock, RSS every 20 s for this long")
    parser.add_argument("--knock-cache", help="keep the made knocks in this file and use it again (same profile: keeps the profile too)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench-firewall.py: must run as root")
    run("sysctl", "-q", "-w", "net.netfilter.nf_log_all_netns=1")
    backends = args.firewall.split(",")
    bench = Bench(args)
    builds = [("new", args.prefix)] + ([("old", args.old_prefix)] if args.old_prefix else [])
    arms = [Arm(f"{name} {backend}", prefix, backend, bench) for backend in backends for name, prefix in builds]
    if args.idle_minutes:
        try:
            idle_run(arms, args.idle_minutes)
        finally:
            run("rm", "-rf", bench.tmp, check=False)
        return
    sustained_counts = [args.rate * (args.seconds if a.name.startswith("new") else args.old_seconds) for a in arms]
    total = len(arms) * args.rounds * args.knocks + (max(sustained_counts) if args.same_knocks else sum(sustained_counts))
    knocks = os.path.join(bench.tmp, "knocks.bin")
    client_profile = os.path.join(bench.tmp, "client")
    try:
        if args.knock_cache and os.path.exists(args.knock_cache) and os.path.exists(args.knock_cache + ".profile"):
            run("rm", "-rf", os.path.join(bench.config, "profiles", "bench"))
            run("cp", "-a", args.knock_cache + ".profile", os.path.join(bench.config, "profiles", "bench"))
            run("cp", args.knock_cache, knocks)
            if len(load_knocks(knocks)) < total:
                sys.exit(f"bench-firewall.py: {args.knock_cache} holds fewer than the {total} knocks needed")
        else:
            run("cp", "-a", os.path.join(bench.config, "profiles", "bench"), client_profile)
            print(f"making {total} knocks with the real client...", flush=True)
            generate_knocks(args.prefix, client_profile, total, knocks)
            if args.knock_cache:
                run("cp", knocks, args.knock_cache)
                run("rm", "-rf", args.knock_cache + ".profile")
                run("cp", "-a", os.path.join(bench.config, "profiles", "bench"), args.knock_cache + ".profile")
        receive = f"the server's packet receive on CPU {args.cpu} (--rps)" if args.rps else "the server's packet receive on the sender's CPU (no --rps)"
        print(f"load {os.getloadavg()[0]:.1f}; daemon and worker on CPU {args.cpu}, client on CPU {bench.client_cpu}; {receive}", flush=True)

        # Latency, arms interleaved round by round.
        for round_ in range(args.rounds):
            for n, arm in enumerate(arms):
                first = bench.slice(args.knocks)
                arm.start(first, f"l{n}")
                try:
                    for value in arm.helper("latency", knocks, first, args.knocks, args.step, 2.0, args.gap).split():
                        if value == "lost":
                            arm.lost += 1
                        else:
                            arm.latencies.append(float(value))
                finally:
                    arm.stop()
            print(f"round {round_ + 1}/{args.rounds} done (load {os.getloadavg()[0]:.1f}; pwrite+fdatasync p50 {fdatasync_ms(bench.tmp):.2f} ms)", flush=True)
        print(f"\npacket on the wire -> port open (ms; {args.rounds} rounds x {args.knocks} knocks per arm, attempts every {args.step * 1e3:.1f} ms):")
        for arm in arms:
            v = arm.latencies
            print(f"  {arm.name:14} n={len(v):4} lost={arm.lost}  p50 {percentile(v, 50):7.2f}  p90 {percentile(v, 90):7.2f}  "
                  f"p99 {percentile(v, 99):7.2f}  min {min(v, default=float('nan')):6.2f}  max {max(v, default=float('nan')):7.2f}")

        # Sustained rate, one arm at a time; RSS idle and after (no sustained run with --rate 0).
        if args.rate:
            print(f"\nsustained {args.rate} distinct valid knocks/s from {len(RATE_SOURCES)} sources:")
        shared_first = bench.slice(max(sustained_counts)) if args.same_knocks else None
        for n, arm in enumerate(arms if args.rate else []):
            seconds = args.seconds if arm.name.startswith("new") else args.old_seconds
            count = args.rate * seconds
            first = shared_first if args.same_knocks else bench.slice(count)
            arm.start(first, f"s{n}")
            try:
                time.sleep(args.settle)
                idle = arm.daemon.rss()
                idle_mappings = arm.daemon.mappings() if args.memory else None
                self_dir = arm.state
                sync_before = fdatasync_ms(self_dir)
                cpu_before = arm.daemon.cpu()
                samples, sampling = [], threading.Event()

                def sample():
                    while not sampling.wait(2):
                        samples.append((len(arm.daemon.accepted), arm.daemon.rss()))
                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                sends = [float(t) for t in arm.helper("sustained", knocks, first, count, args.rate).split()]
                deadline = time.monotonic() + 30
                while len(arm.daemon.accepted) < count and time.monotonic() < deadline:
                    time.sleep(0.1)
                sampling.set()
                sampler.join()
                cpu_after = arm.daemon.cpu()
                time.sleep(2)
                after = arm.daemon.rss()
                accepted = list(arm.daemon.accepted)
                span = (accepted[-1] - sends[0]) if accepted else float("nan")
                print(f"  {arm.name:14} sent {count} in {sends[-1] - sends[0]:.2f} s, accepted {len(accepted)} "
                      f"({len(accepted) / span:.0f}/s from the first send to the last acceptance)")
                if len(accepted) == count:
                    # Accepted in counter order, so the i-th acceptance is the i-th knock's.
                    lags = [(a - s) * 1e3 for a, s in zip(accepted, sends)]
                    print(f"  {'':14} send -> \"accepted knock\" line: p50 {percentile(lags, 50):.2f}  p99 {percentile(lags, 99):.2f}  max {max(lags):.2f} ms")
                print(f"  {'':14} RSS daemon + worker every 2 s (knocks accepted: MB): "
                      + ", ".join(f"{n}: {(r[0][0] + r[1][0]) / 1024:.1f}" for n, r in samples))
                print(f"  {'':14} CPU per knock: daemon {(cpu_after[0] - cpu_before[0]) / count * 1e6:.0f} us, worker {(cpu_after[1] - cpu_before[1]) / count * 1e6:.0f} us; "
                      f"pwrite+fdatasync next to the state directory, before/after: p50 {sync_before:.2f} / {fdatasync_ms(self_dir):.2f} ms")
                # The last opening was made about when the last knock was accepted; the kernel removes it DELAY s later,
                # and the worker gives back what the burst left at its first idle check after that (every 10 s).
                time.sleep(max(0.0, accepted[-1] + DELAY + 12 - time.monotonic()) if accepted else 0)
                expired = arm.daemon.rss()
                for i, what in ((0, "RSS"), (1, "PSS")):
                    print(f"  {'':14} {what} daemon + worker: idle {idle[0][i] / 1024:.1f} + {idle[1][i] / 1024:.1f} = {(idle[0][i] + idle[1][i]) / 1024:.1f} MB; "
                          f"after the run {after[0][i] / 1024:.1f} + {after[1][i] / 1024:.1f} = {(after[0][i] + after[1][i]) / 1024:.1f} MB; "
                          f"openings expired {expired[0][i] / 1024:.1f} + {expired[1][i] / 1024:.1f} = {(expired[0][i] + expired[1][i]) / 1024:.1f} MB")
                if args.memory:
                    for (who, (threads, idle_rss)), (_, expired_rss) in zip((("daemon", idle_mappings[0]), ("worker", idle_mappings[1])), arm.daemon.mappings()):
                        names = sorted(set(idle_rss) | set(expired_rss), key=lambda m: -max(idle_rss.get(m, 0), expired_rss.get(m, 0)))
                        shown = [m for m in names if max(idle_rss.get(m, 0), expired_rss.get(m, 0)) >= 100]
                        print(f"  {'':14} {who} ({threads} threads idle), RSS by mapping idle -> openings expired (kB): "
                              + ", ".join(f"{os.path.basename(m)} {idle_rss.get(m, 0)} -> {expired_rss.get(m, 0)}" for m in shown)
                              + f", the rest {sum(v for m, v in idle_rss.items() if m not in shown)} -> {sum(v for m, v in expired_rss.items() if m not in shown)}")
            finally:
                arm.stop()
            print(f"  {'':14} daemon: " + next((l.split("stopping: ")[1] for l in arm.daemon.lines if "stopping: " in l), "no stopping line"))
        print(f"\nload {os.getloadavg()[0]:.1f} at the end")
    finally:
        run("rm", "-rf", bench.tmp, check=False)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("capture", "knock", "latency", "sustained", "listen"):
        helper = sys.argv[1]
        a = sys.argv[2:]
        if helper == "knock":
            helper_knock(a[0], a[1], int(a[2]))
        elif helper == "capture":
            helper_capture(a[0], int(a[1]))
        elif helper == "latency":
            helper_latency(a[0], int(a[1]), int(a[2]), float(a[3]), float(a[4]), float(a[5]))
        elif helper == "sustained":
            helper_sustained(a[0], int(a[1]), int(a[2]), int(a[3]))
        else:
            helper_listen(int(a[0]))
    else:
        main()
