#!/usr/bin/env bash
# Builds the three KnockKnock commands as NativeAOT binaries and installs them:
#   PREFIX/lib/knockknock/{knockknock,knockknock-daemon,libsodium.so,libMonoPosixHelper.so}
#   PREFIX/bin/knockknock             -> ../lib/knockknock/knockknock
#   PREFIX/bin/knockknock-daemon      -> ../lib/knockknock/knockknock-daemon
#   PREFIX/bin/knockknock-genprofile  -> ../lib/knockknock/knockknock-daemon (picks its command by name)
# libsodium (NSec's native half) and libMonoPosixHelper (Mono.Posix's, for getpwnam) ship beside
# the binaries, where the runtime looks for them.
# Usage: scripts/install.sh [--prefix DIR]     (default /usr/local)
set -euo pipefail

prefix=/usr/local
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
command -v dotnet >/dev/null || { echo "install.sh: the .NET SDK (dotnet) is not installed" >&2; exit 1; }
command -v clang-14 >/dev/null || { echo "install.sh: clang-14 is needed for NativeAOT: apt-get install -y clang-14" >&2; exit 1; }

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
publish() {
    dotnet publish "$root/$1" -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker=clang-14 \
        -p:StripSymbols=true -o "$build/out" --nologo -v quiet
}
publish KnockKnock.Client
publish KnockKnock.Daemon

lib="$prefix/lib/knockknock"
install -d -m 0755 "$prefix/bin" "$lib"
install -m 0755 "$build/out/knockknock" "$build/out/knockknock-daemon" "$lib/"
install -m 0644 "$build/out/libsodium.so" "$build/out/libMonoPosixHelper.so" "$lib/"
ln -sfn ../lib/knockknock/knockknock "$prefix/bin/knockknock"
ln -sfn ../lib/knockknock/knockknock-daemon "$prefix/bin/knockknock-daemon"
ln -sfn ../lib/knockknock/knockknock-daemon "$prefix/bin/knockknock-genprofile"
echo "installed knockknock, knockknock-daemon and knockknock-genprofile into $prefix/bin"
