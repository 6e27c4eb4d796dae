#!/usr/bin/env bash
# Builds the three KnockKnock commands, the daemon's long-running image and its root worker as
# NativeAOT binaries and installs them:
#   PREFIX/lib/knockknock/{knockknock,knockknock-daemon,knockknock-daemon-run,knockknock-worker}
#   PREFIX/bin/knockknock             -> ../lib/knockknock/knockknock
#   PREFIX/bin/knockknock-daemon      -> ../lib/knockknock/knockknock-daemon
#   PREFIX/bin/knockknock-genprofile  -> ../lib/knockknock/knockknock-daemon (picks its command by name)
#   PREFIX/bin/knockknock-minimal-firewall  (scripts/minimal-firewall.sh)
#   PREFIX/share/man/man1/knockknock.1, man8/knockknock-{daemon,genprofile,minimal-firewall}.8
#       (generated from the commands' --help by scripts/make-man.sh; skipped without help2man)
#   PREFIX/share/bash-completion/completions/knockknock
# With --systemd (as root) it also installs scripts/knockknock-daemon.service into
# /etc/systemd/system (ExecStart pointing at PREFIX), creates the `knockknock` system user and
# /var/lib/knockknock when missing, and creates /etc/knockknock.d (config example, profiles/) only
# when missing: an existing /etc/knockknock.d is never touched. It does not enable the service.
# Usage: scripts/install.sh [--prefix DIR] [--systemd]     (default prefix /usr/local)
set -euo pipefail

prefix=/usr/local
systemd=no
while [ $# -gt 0 ]; do
    case "$1" in
        --systemd) systemd=yes; shift ;;
        --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
if [ "$systemd" = yes ] && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: --systemd needs root (it creates a system user and writes /etc)" >&2
    exit 3
fi
prefix=$(mkdir -p "$prefix" && cd "$prefix" && pwd)
command -v dotnet >/dev/null || { echo "install.sh: the .NET SDK (dotnet) is not installed" >&2; exit 1; }
command -v clang-14 >/dev/null || { echo "install.sh: clang-14 is needed for NativeAOT: apt-get install -y clang-14" >&2; exit 1; }

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
publish() {
    dotnet publish "$root/$1" -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker=clang-14 \
        -p:StripSymbols=true -o "$build/out" --nologo -v quiet "${@:2}"
}
publish KnockKnock.Client
publish KnockKnock.Daemon
# The root worker: its own small executable from the daemon's project (see its project file).
# The daemon runs it from its own directory only if root owns it and nobody else may write it.
publish KnockKnock.Daemon -p:KnockKnockWorker=true
# The daemon's long-running image: knockknock-daemon execs it once it has read its command line.
# It, too, runs only from root's own directory.
publish KnockKnock.Daemon -p:KnockKnockDaemonRun=true

lib="$prefix/lib/knockknock"
install -d -m 0755 "$prefix/bin" "$lib"
# Root runs the worker only from a directory root owns: a root install takes over one an earlier
# unprivileged run of this script made.
if [ "$(id -u)" -eq 0 ]; then
    install -d -o root -g root -m 0755 "$lib"
fi
install -m 0755 "$build/out/knockknock" "$build/out/knockknock-daemon" "$build/out/knockknock-daemon-run" "$build/out/knockknock-worker" "$lib/"
# Installed by earlier versions, and nothing loads them now: NSec's native half, and Mono.Posix's
# (the daemon looks users and groups up with libc's getpwnam_r and getgrnam_r).
rm -f "$lib/libsodium.so" "$lib/libMonoPosixHelper.so"
ln -sfn ../lib/knockknock/knockknock "$prefix/bin/knockknock"
ln -sfn ../lib/knockknock/knockknock-daemon "$prefix/bin/knockknock-daemon"
ln -sfn ../lib/knockknock/knockknock-daemon "$prefix/bin/knockknock-genprofile"
install -m 0755 "$root/scripts/minimal-firewall.sh" "$prefix/bin/knockknock-minimal-firewall"
install -D -m 0644 "$root/scripts/bash-completion/knockknock" "$prefix/share/bash-completion/completions/knockknock"
echo "installed knockknock, knockknock-daemon, knockknock-genprofile and knockknock-minimal-firewall into $prefix/bin"
if command -v help2man >/dev/null; then
    "$root/scripts/make-man.sh" --bin-dir "$prefix/bin" --out "$build/man" >/dev/null
    install -D -m 0644 "$build/man/knockknock.1" "$prefix/share/man/man1/knockknock.1"
    install -d -m 0755 "$prefix/share/man/man8"
    install -m 0644 "$build/man/"*.8 "$prefix/share/man/man8/"
    echo "installed the man pages into $prefix/share/man"
else
    echo "install.sh: help2man is not installed: no man pages (apt-get install help2man, then run this again)" >&2
fi

if [ "$systemd" = yes ]; then
    if ! getent passwd knockknock >/dev/null; then
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin knockknock
        echo "created system user knockknock"
    fi
    if [ ! -d /var/lib/knockknock ]; then
        # Root's: the daemon makes its own counters/ (root's) and daemon/ (knockknock's) inside.
        install -d -m 0755 -o root -g root /var/lib/knockknock
        echo "created /var/lib/knockknock"
    fi
    if [ -e /etc/knockknock.d ]; then
        echo "left the existing /etc/knockknock.d untouched"
    else
        install -d -m 0755 /etc/knockknock.d
        install -d -m 0700 /etc/knockknock.d/profiles
        install -m 0644 "$root/profiles/config.example" /etc/knockknock.d/config
        echo "created /etc/knockknock.d (config, profiles/)"
    fi
    sed "s|/usr/local/bin/knockknock-daemon|$prefix/bin/knockknock-daemon|" "$root/scripts/knockknock-daemon.service" \
        > /etc/systemd/system/knockknock-daemon.service
    chmod 0644 /etc/systemd/system/knockknock-daemon.service
    echo "installed /etc/systemd/system/knockknock-daemon.service; next: knockknock-genprofile, the firewall, then systemctl daemon-reload && systemctl enable --now knockknock-daemon"
fi
