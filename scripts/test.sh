#!/usr/bin/env bash
# The test command (README, "Quick start"): installs what the tests need on Debian (when root),
# builds with warnings as errors, publishes the NativeAOT commands into artifacts/install, and runs
# the whole NUnit suite against them. Root-only tests (namespaces, raw sockets, firewall rules,
# privilege drop) run when this runs as root and skip themselves, saying so, otherwise.
# Ends with the line "N passed, N failed, N skipped".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

packages=(clang-14 zlib1g-dev iproute2 iptables nftables libnftables1 libnettle8 ipset libipset13 conntrack iputils-ping netcat-openbsd util-linux libcap2-bin hping3 tcpdump p0f procps openssl xxd
    dpkg-dev binutils help2man man-db lintian adduser systemd libsystemd0 systemd-journal-remote openssh-client openssh-server curl rsync git)
if [ "$(id -u)" -eq 0 ]; then
    missing=()
    for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "test.sh: installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    # LOG lines from network namespaces reach the kernel log only with this on.
    sysctl -qw net.netfilter.nf_log_all_netns=1
else
    echo "test.sh: not root: root-only tests will skip themselves"
fi

dotnet build KnockKnock.sln -c Release --nologo -v quiet -warnaserror
scripts/install.sh --prefix "$root/artifacts/install" >/dev/null
export KNOCKKNOCK_BIN_DIR="$root/artifacts/install/bin"

log=$(mktemp)
set +e
dotnet test KnockKnock.sln -c Release --no-build --nologo -v quiet --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# vstest's closing summary: "Total tests: N", then "Passed: N", "Failed: N", "Skipped: N" lines
# (a count that is zero may be left out).
count() { awk -v key="$1:" '$1 == key { n = $2 } END { print n + 0 }' "$log"; }
total=$(awk '$1 == "Total" && $2 == "tests:" { n = $3 } END { print n + 0 }' "$log")
passed=$(count Passed)
failed=$(count Failed)
skipped=$(count Skipped)
# CI keeps only the tail of the output: name each failed test with the first lines of its message
# again here, next to the summary.
awk '/^  Failed / { n = 8 } n > 0 { print; n-- }' "$log" | head -n 80
rm -f "$log"
if [ "$total" -eq 0 ]; then
    echo "test.sh: no test ran" >&2
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
