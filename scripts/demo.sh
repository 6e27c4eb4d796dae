#!/usr/bin/env bash
# The main job, end to end on this machine (README, "Quick start"): installs what it needs, builds
# the NativeAOT commands, makes a server and a client network namespace joined by a veth pair (no
# default route: nothing leaves them), generates a profile, sets a default-drop firewall with
# scripts/minimal-firewall.sh, starts knockknock-daemon in the background in the server namespace,
# shows port 2222 closed, knocks from the client, connects and exchanges a line, shows the port
# closed again after the delay and the daemon's status, and tears everything down (also on Ctrl-C
# or failure). Exit 0 only if every step did what it said.
# With --installed it builds nothing and uses the commands on PATH (knockknock, knockknock-daemon,
# knockknock-genprofile, knockknock-minimal-firewall: the Debian packages' or install.sh's).
# Usage: sudo scripts/demo.sh [--firewall nft|iptables] [--installed]
set -euo pipefail

firewall=nft
installed=no
while [ $# -gt 0 ]; do
    case "$1" in
        --firewall) firewall=${2:-}; shift 2 ;;
        --installed) installed=yes; shift ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
case "$firewall" in nft|iptables) ;; *) echo "demo.sh: --firewall must be nft or iptables" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (it creates network namespaces and firewall rules): sudo $0" >&2; exit 3; }

root=$(cd "$(dirname "$0")/.." && pwd)
step=0
total=11
say() { step=$((step + 1)); printf '[%2d/%d] %s\n' "$step" "$total" "$*"; }
fail() { printf '       FAILED: %s\n' "$*" >&2; exit 1; }

id=$$
server=kkdemo-srv-$id
client=kkdemo-cli-$id
subnet=$((id % 200 + 20))
server_ip=198.18.$subnet.1
client_ip=198.18.$subnet.2
work=$(mktemp -d /tmp/knockknock-demo.XXXXXX)
chmod 755 "$work"   # the daemon drops to an unprivileged user that must reach its state directory
pids=()

cleanup() {
    local status=$?
    set +e
    if [ -s "$work/run/daemon.pid" ]; then kill -TERM "$(cat "$work/run/daemon.pid")" 2>/dev/null; sleep 1; fi
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    ip netns delete "$server" 2>/dev/null
    ip netns delete "$client" 2>/dev/null
    rm -rf "$work"
    if [ "$status" -eq 0 ]; then echo "demo passed: every step did what it said"; else echo "demo FAILED (exit $status); namespaces and files removed" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "installing what the demo needs (apt) and building the NativeAOT commands"
packages=(clang-14 zlib1g-dev iproute2 iptables nftables libnftables1 libnettle8 ipset libipset13 netcat-openbsd procps)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
bin=$work/install/bin
minimal_firewall=$root/scripts/minimal-firewall.sh
if [ "$installed" = yes ]; then
    # Links named like the commands (genprofile is picked by name) to what PATH finds.
    mkdir -p "$bin"
    for c in knockknock knockknock-daemon knockknock-genprofile; do
        ln -s "$(command -v "$c")" "$bin/$c" || fail "--installed: $c is not on PATH"
    done
    minimal_firewall=$(command -v knockknock-minimal-firewall) || fail "--installed: knockknock-minimal-firewall is not on PATH"
    echo "       using the installed commands: $(readlink "$bin/knockknock"), $(readlink "$bin/knockknock-daemon"), $minimal_firewall"
else
    command -v dotnet >/dev/null || fail "the .NET 10 SDK (dotnet) is not installed"
    "$root/scripts/install.sh" --prefix "$work/install" >/dev/null
fi
sysctl -qw net.netfilter.nf_log_all_netns=1

say "creating namespaces $server ($server_ip) and $client ($client_ip), joined by veth, no default route"
ip netns add "$server"
ip netns add "$client"
ip link add "kkd${id}s" netns "$server" type veth peer name "kkd${id}c" netns "$client"
ip -n "$server" addr add "$server_ip/24" dev "kkd${id}s"
ip -n "$client" addr add "$client_ip/24" dev "kkd${id}c"
for ns in "$server" "$client"; do ip -n "$ns" link set lo up; done
ip -n "$server" link set "kkd${id}s" up
ip -n "$client" link set "kkd${id}c" up

say "generating profile 'demo' (knock port 7000, may open 2222) and copying it to the client"
mkdir -p "$work/etc"
# The daemon drops to the dedicated knockknock user (install.sh --systemd and the package create
# it); without one, the demo names nobody explicitly, which the daemon allows with a warning.
demo_user=knockknock
getent passwd knockknock >/dev/null || demo_user=nobody
printf '[main]\ndelay = 5\nuser = %s\n' "$demo_user" > "$work/etc/config"
"$bin/knockknock-genprofile" demo 7000 --allow 2222 --config-dir "$work/etc" >/dev/null
mkdir -m 700 -p "$work/client"
cp -a "$work/etc/profiles/demo" "$work/client/$server_ip"

say "setting a default-drop $firewall firewall in the server namespace (${minimal_firewall##*/})"
ip netns exec "$server" "$minimal_firewall" --firewall "$firewall" --config-dir "$work/etc" --knockknock-daemon "$bin/knockknock-daemon" >/dev/null

say "starting knockknock-daemon in the background in the server namespace"
ip netns exec "$server" "$bin/knockknock-daemon" --config-dir "$work/etc" --state-dir "$work/state" \
    --pidfile "$work/run/daemon.pid" --firewall "$firewall" --log-source kmsg
[ -s "$work/run/daemon.pid" ] || fail "no pidfile"
printf '       daemon pid %s runs as %s\n' "$(cat "$work/run/daemon.pid")" "$(ps -o user= -p "$(cat "$work/run/daemon.pid")")"

say "a server listens on 2222; from the client it is closed"
echo "hello from the server" > "$work/server-says"
ip netns exec "$server" nc -l -p 2222 -N < "$work/server-says" > "$work/server-got" &
pids+=($!)
sleep 0.3
if ip netns exec "$client" nc -z -w 2 "$server_ip" 2222; then fail "port 2222 was reachable before the knock"; fi
echo "       connect to $server_ip:2222 failed, as it should"

say "knocking: knockknock -p 2222 $server_ip"
ip netns exec "$client" "$bin/knockknock" -p 2222 "$server_ip" --profile-dir "$work/client/$server_ip" | sed 's/^/       /'

say "connecting and exchanging a line"
reply=$(echo "hello from the client" | ip netns exec "$client" nc -N -w 3 "$server_ip" 2222) || fail "could not connect after the knock"
wait "${pids[-1]}" 2>/dev/null || true
[ "$reply" = "hello from the server" ] || fail "client got '$reply'"
[ "$(cat "$work/server-got")" = "hello from the client" ] || fail "server got '$(cat "$work/server-got")'"
echo "       client got: $reply; server got: $(cat "$work/server-got")"

say "the daemon's status during the opening"
"$bin/knockknock-daemon" status --config-dir "$work/etc" --state-dir "$work/state" --pidfile "$work/run/daemon.pid" | sed 's/^/       /'

say "after the delay (5 s) the port is closed again"
sleep 6
ip netns exec "$server" nc -l -p 2222 >/dev/null &
pids+=($!)
sleep 0.3
if ip netns exec "$client" nc -z -w 2 "$server_ip" 2222; then fail "port 2222 was still open after the delay"; fi
echo "       connect to $server_ip:2222 failed, as it should"

say "stopping the daemon (SIGTERM): openings are removed and the pidfile emptied"
daemon_pid=$(cat "$work/run/daemon.pid")
kill -TERM "$daemon_pid"
for _ in $(seq 100); do [ -s "$work/run/daemon.pid" ] || break; sleep 0.1; done
[ ! -s "$work/run/daemon.pid" ] || fail "pidfile still holds a pid 10 s after SIGTERM ($(ps -o stat=,cmd= -p "$daemon_pid"))"
echo "       daemon stopped"
