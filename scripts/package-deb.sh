#!/usr/bin/env bash
# Builds the Debian packages, with dpkg-dev's own tools (dpkg-shlibdeps, dpkg-gencontrol, dpkg-deb):
#   knockknock-server_VERSION_amd64.deb  knockknock-daemon, knockknock-genprofile and
#       knockknock-minimal-firewall (/usr/sbin), the systemd unit, /etc/knockknock.d/config
#       (conffile), man pages; binaries (the daemon's long-running image, knockknock-daemon-run,
#       and its root worker, knockknock-worker, among them) in /usr/lib/knockknock-server/
#   knockknock_VERSION_amd64.deb  the client (/usr/bin/knockknock, CAP_NET_RAW set by postinst),
#       man page, bash completion; binary in /usr/lib/knockknock/
# Each package keeps its binaries in its own /usr/lib/PACKAGE/, so that a native library one of
# them needs beside it (the .NET runtime looks there) is never a file both packages ship.
#
# VERSION is Directory.Build.props' <Version>; packaging/debian/changelog's top entry and the
# binaries' --version must say the same, or nothing is built. Control data, maintainer scripts and
# copyright are in packaging/debian/; the unit, the config and the firewall script are made from
# scripts/knockknock-daemon.service, profiles/config.example and scripts/minimal-firewall.sh
# (never copies kept in the tree); man pages come from scripts/make-man.sh.
#
# Usage: scripts/package-deb.sh [--from DIR] [--out DIR]
#   --from DIR  use NativeAOT binaries published already: DIR holds knockknock, knockknock-daemon,
#               knockknock-daemon-run and knockknock-worker (e.g. artifacts/install/lib/knockknock after
#               scripts/install.sh --prefix artifacts/install). Default: build them here from this
#               checkout with scripts/install.sh into a temporary prefix.
#   --out DIR   where the .deb files go (default: artifacts/ in the repository)
# Needs dpkg-dev, help2man, the .NET SDK and clang-14 (the last two only without --from).
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
from=""
out="$root/artifacts"
while [ $# -gt 0 ]; do
    case "$1" in
        --from) from=${2:?--from needs a directory}; shift 2 ;;
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "package-deb.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
die() { echo "package-deb.sh: $*" >&2; exit 1; }
for tool in dpkg-deb dpkg-gencontrol dpkg-shlibdeps dpkg-parsechangelog help2man readelf; do
    command -v "$tool" >/dev/null || die "$tool not found: apt-get install dpkg-dev help2man binutils"
done

debian="$root/packaging/debian"
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props")
[ -n "$version" ] || die "no <Version> in Directory.Build.props"
changelog_version=$(dpkg-parsechangelog -l "$debian/changelog" -SVersion)
[ "$changelog_version" = "$version" ] || die "packaging/debian/changelog's top entry is $changelog_version but Directory.Build.props says $version: add a changelog entry (dch -v $version)"
# Reproducible: file dates and man page dates are the changelog entry's.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$debian/changelog" -STimestamp)
export SOURCE_DATE_EPOCH

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "$from" ]; then
    echo "package-deb.sh: building the NativeAOT binaries (scripts/install.sh)"
    "$root/scripts/install.sh" --prefix "$work/prefix" >/dev/null
    from="$work/prefix/lib/knockknock"
fi
from=$(cd "$from" && pwd)
for f in knockknock knockknock-daemon knockknock-daemon-run knockknock-worker; do
    [ -f "$from/$f" ] || die "$from/$f not found (--from takes the directory with the published binaries)"
done
for f in knockknock knockknock-daemon knockknock-daemon-run knockknock-worker; do
    [ ! -e "$from/$f.dll" ] || die "$from/$f is a framework-dependent apphost, not a NativeAOT binary (publish with -p:PublishAot=true, as scripts/install.sh does)"
    # The worker and the daemon's long-running image are not commands and have no --version; they are published with the daemon.
    if [ "$f" != knockknock-worker ] && [ "$f" != knockknock-daemon-run ]; then
        got=$("$from/$f" --version)
        [ "$got" = "$version" ] || die "$from/$f --version says $got, Directory.Build.props says $version: rebuild the binaries"
    fi
    machine=$(LC_ALL=C readelf -h "$from/$f" | sed -n 's/^ *Machine: *//p')
    [ "$machine" = "Advanced Micro Devices X86-64" ] || die "$from/$f is not an x86-64 binary ($machine): only amd64 packages are built"
done

# A bin/ directory as install.sh lays it out, for make-man.sh (the genprofile name matters).
mkdir -p "$work/bin"
ln -s "$from/knockknock" "$work/bin/knockknock"
ln -s "$from/knockknock-daemon" "$work/bin/knockknock-daemon"
ln -s "$from/knockknock-daemon" "$work/bin/knockknock-genprofile"
"$root/scripts/make-man.sh" --bin-dir "$work/bin" --out "$work/man" >/dev/null

mkdir -p "$work/debian"
cp "$debian/control" "$debian/changelog" "$work/debian/"
server="$work/debian/knockknock-server"
client="$work/debian/knockknock"

# Installs $1 into the tree as $2 with mode $3 (parents 0755).
put() {
    install -D -m "$3" "$1" "$2"
}
doc() {
    local package=$1 tree=$2
    put "$debian/copyright" "$tree/usr/share/doc/$package/copyright" 0644
    # Native package (no Debian revision): the changelog is changelog.gz.
    gzip -9n < "$debian/changelog" > "$work/changelog.gz"
    put "$work/changelog.gz" "$tree/usr/share/doc/$package/changelog.gz" 0644
    gzip -9n < "$root/README.md" > "$work/README.md.gz"
    put "$work/README.md.gz" "$tree/usr/share/doc/$package/README.md.gz" 0644
}
man_page() {
    local tree=$1 name=$2 section=$3
    gzip -9n < "$work/man/$name.$section" > "$work/$name.$section.gz"
    put "$work/$name.$section.gz" "$tree/usr/share/man/man$section/$name.$section.gz" 0644
}

# ---- knockknock-server ----
put "$from/knockknock-daemon" "$server/usr/lib/knockknock-server/knockknock-daemon" 0755
# The root worker: the daemon runs it from its own directory (root-owned, nobody else may write).
put "$from/knockknock-worker" "$server/usr/lib/knockknock-server/knockknock-worker" 0755
# The daemon's long-running image: knockknock-daemon execs it from its own directory too.
put "$from/knockknock-daemon-run" "$server/usr/lib/knockknock-server/knockknock-daemon-run" 0755
mkdir -p "$server/usr/sbin"
ln -s ../lib/knockknock-server/knockknock-daemon "$server/usr/sbin/knockknock-daemon"
# The daemon picks the genprofile command by the name it is started as.
ln -s ../lib/knockknock-server/knockknock-daemon "$server/usr/sbin/knockknock-genprofile"
put "$root/scripts/minimal-firewall.sh" "$server/usr/sbin/knockknock-minimal-firewall" 0755
put "$root/profiles/config.example" "$server/etc/knockknock.d/config" 0644
# The unit: scripts/knockknock-daemon.service with the packaged paths. The checks stop the build
# if that file changes so that the substitutions no longer fit.
sed -e 's|/usr/local/bin/knockknock-daemon|/usr/sbin/knockknock-daemon|g' \
    -e 's|^Documentation=.*|Documentation=man:knockknock-daemon(8) man:knockknock-minimal-firewall(8)|' \
    -e '1i # Installed by the knockknock-server package, made from scripts/knockknock-daemon.service.\n# Change it with "systemctl edit knockknock-daemon", not here (upgrades replace this file).' \
    "$root/scripts/knockknock-daemon.service" > "$work/knockknock-daemon.service"
grep -q '^ExecStart=/usr/sbin/knockknock-daemon ' "$work/knockknock-daemon.service" || die "the unit's ExecStart does not start /usr/sbin/knockknock-daemon: check the sed above against scripts/knockknock-daemon.service"
! grep -v '^#' "$work/knockknock-daemon.service" | grep -q '/usr/local' || die "the packaged unit still names /usr/local: $(grep -v '^#' "$work/knockknock-daemon.service" | grep /usr/local)"
put "$work/knockknock-daemon.service" "$server/lib/systemd/system/knockknock-daemon.service" 0644
for page in knockknock-daemon knockknock-genprofile knockknock-minimal-firewall; do man_page "$server" "$page" 8; done
doc knockknock-server "$server"

# ---- knockknock (client) ----
put "$from/knockknock" "$client/usr/lib/knockknock/knockknock" 0755
mkdir -p "$client/usr/bin"
# The capability goes on the real file (postinst); the command on PATH is a symlink to it.
ln -s ../lib/knockknock/knockknock "$client/usr/bin/knockknock"
man_page "$client" knockknock 1
put "$root/scripts/bash-completion/knockknock" "$client/usr/share/bash-completion/completions/knockknock" 0644
doc knockknock "$client"

# ---- control data, then the archives ----
# ${dlopen:Depends}: the lines of packaging/debian/dlopen for this package, each SONAME checked.
dlopen_depends() {
    local package=$1 deps="" p soname dep
    while read -r p soname dep; do
        [ "$p" = "$package" ] || continue
        ldconfig -p | grep -q "^[[:space:]]*$soname " || die "$soname (packaging/debian/dlopen, $package) is not installed here"
        deps="${deps:+$deps, }$dep"
    done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$debian/dlopen")
    echo "$deps"
}

mkdir -p "$out"
(
    cd "$work"
    for package in knockknock-server knockknock; do
        tree="debian/$package"
        # DEBIAN/ first: dpkg-shlibdeps finds a file's package tree by it.
        mkdir -p "$tree/DEBIAN"
        elves=()
        while IFS= read -r -d '' f; do
            if readelf -h "$f" >/dev/null 2>&1; then elves+=("$f"); fi
        done < <(find "$tree" -type f -print0)
        dpkg-shlibdeps -T"debian/$package.substvars" "${elves[@]}"
        echo "dlopen:Depends=$(dlopen_depends "$package")" >> "debian/$package.substvars"
        for script in preinst postinst prerm postrm; do
            [ ! -f "$debian/$package.$script" ] || install -m 0755 "$debian/$package.$script" "$tree/DEBIAN/$script"
        done
        # Every file under /etc is a conffile: dpkg keeps an administrator's changes on upgrade.
        if [ -d "$tree/etc" ]; then
            (cd "$tree" && find etc -type f -printf '/%p\n' | sort) > "$tree/DEBIAN/conffiles"
        fi
        (cd "$tree" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$tree/DEBIAN/md5sums"
        chmod 0644 "$tree/DEBIAN/md5sums"
        dpkg-gencontrol -p"$package" -P"$tree" -T"debian/$package.substvars" -cdebian/control -ldebian/changelog -fdebian/files
        find "$tree" -type d -exec chmod 0755 {} +
        find "$tree" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +
        dpkg-deb -Zxz --root-owner-group --build "$tree" "$out/${package}_${version}_amd64.deb" >/dev/null
        echo "$out/${package}_${version}_amd64.deb"
    done
)
