#!/usr/bin/env bash
# Generates the man pages from the commands themselves, so they cannot drift from --help:
#   knockknock.1  knockknock-daemon.8  knockknock-genprofile.8  knockknock-minimal-firewall.8
# help2man turns each command's --help (and the daemon's subcommands' --help) into the synopsis,
# description, options and commands; docs/man/NAME.h2m adds the hand-written sections (files,
# exit status, examples, security notes, see also). Nothing here lists an option.
# Usage: scripts/make-man.sh --bin-dir DIR --out DIR
#   --bin-dir  a directory with knockknock, knockknock-daemon and knockknock-genprofile (e.g. the
#              bin/ of scripts/install.sh --prefix); the page footers carry their --version
#   --out      where the uncompressed pages go (created if missing)
# Needs help2man. Set SOURCE_DATE_EPOCH for a reproducible date (package-deb.sh does).
set -euo pipefail
export LC_ALL=C

bin_dir=""
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --bin-dir) bin_dir=${2:?--bin-dir needs a directory}; shift 2 ;;
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "make-man.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
if [ -z "$bin_dir" ] || [ -z "$out" ]; then
    echo "make-man.sh: --bin-dir and --out are required" >&2
    exit 2
fi
command -v help2man >/dev/null || { echo "make-man.sh: help2man is not installed (apt-get install help2man)" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
bin_dir=$(cd "$bin_dir" && pwd)
for c in knockknock knockknock-daemon knockknock-genprofile; do
    [ -x "$bin_dir/$c" ] || { echo "make-man.sh: $bin_dir/$c not found" >&2; exit 1; }
done
mkdir -p "$out"
version=$("$bin_dir/knockknock-daemon" --version)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# System.CommandLine prints "Description:" and "Usage:" as blocks; help2man wants the GNU layout
# ("Usage: PROG ARGS" first, then the description). Every other block passes through unchanged.
cat > "$work/gnu-help.awk" <<'AWK'
function head(  i) {
    for (i = 1; i <= nu; i++) print (i == 1 ? "Usage: " : "  or:  ") usage[i]
    print ""
    for (i = 1; i <= nd; i++) print desc[i]
    print ""
    done = 1
}
{ sub(/[ \t]+$/, "") }
/^[A-Za-z][A-Za-z ]*:$/ {
    if ($0 == "Description:" || $0 == "Usage:") { block = $0; next }
    if (!done) head()
    print; next
}
!done && block == "Description:" { sub(/^ +/, ""); if ($0 != "") desc[++nd] = $0; next }
!done && block == "Usage:" { sub(/^ +/, ""); if ($0 != "") usage[++nu] = $0; next }
!done && $0 == "" { next }
{ print }
END { if (!done) head() }
AWK

# A stand-in executable named like the command (help2man names the page after it) whose --help is
# the real command's, in the GNU layout. Extra words (a subcommand) go before the arguments.
wrap() {
    local name=$1 real=$2
    shift 2
    mkdir -p "$work/$name.d"
    {
        echo '#!/bin/sh'
        printf 'exec "%s"' "$real"
        printf ' "%s"' "$@"
        printf ' "$@" | awk -f "%s"\n' "$work/gnu-help.awk"
    } > "$work/$name.d/$name"
    chmod +x "$work/$name.d/$name"
    echo "$work/$name.d/$name"
}

# One help2man run; $1 page file, $2 section, $3 executable, then extra help2man options.
page() {
    local file=$1 section=$2 exe=$3
    shift 3
    help2man --no-info --section "$section" --version-string "$version" --source "KnockKnock $version" \
        "$@" --include "$root/docs/man/$(basename "$file" ".$section").h2m" "$exe" > "$file"
}

# A command's subcommands, from the "Commands:" block of its --help (the daemon's status, check,
# ...; the client has none today): for each, its description and options as help2man renders
# them, as one subsection of a COMMANDS section, written to the include file $work/NAME.commands.h2m
# (not written when there are none: help2man refuses an empty include file). In an include file a line starting with "[" or "/" would open a
# section or a pattern: "\&" keeps it text.
commands_section() {
    local name=$1 command exe
    local commands
    commands=$("$bin_dir/$name" --help | awk '/^Commands:$/ { in_block = 1; next } /^[^ ]/ { in_block = 0 } in_block && /^  [a-z]/ { print $1 }')
    [ -n "$commands" ] || return 0
    {
        echo "[COMMANDS]"
        printf 'Each command also takes \\fB\\-\\-help\\fR.\n'
        for command in $commands; do
            exe=$(wrap "$name-$command" "$bin_dir/$name" "$command")
            help2man --no-info --version-string "$version" "$exe" | awk -v title="${name//-/\\-} $command" '
                /^\.SH / { section = $2; if (section == "DESCRIPTION") print ".SS \"" title "\""; next }
                section == "DESCRIPTION" && /^\.SS / { sub(/^\.SS /, ".TP\n.B "); print; next }
                section == "DESCRIPTION" || section == "OPTIONS" { if (/^[[\/]/) $0 = "\\&" $0; print }'
        done
    } > "$work/$name.commands.h2m"
}
commands_section knockknock
commands_section knockknock-daemon
client_include=()
[ ! -f "$work/knockknock.commands.h2m" ] || client_include=(--include "$work/knockknock.commands.h2m")
daemon_include=()
[ ! -f "$work/knockknock-daemon.commands.h2m" ] || daemon_include=(--include "$work/knockknock-daemon.commands.h2m")

page "$out/knockknock.1" 1 "$(wrap knockknock "$bin_dir/knockknock")" "${client_include[@]}"
page "$out/knockknock-daemon.8" 8 "$(wrap knockknock-daemon "$bin_dir/knockknock-daemon")" "${daemon_include[@]}"
page "$out/knockknock-genprofile.8" 8 "$(wrap knockknock-genprofile "$bin_dir/knockknock-genprofile")"
# The firewall script, under the name it is installed as (its usage line prints $0's name), with
# its "usage:" capitalised as help2man expects. Its options are described in the .h2m file.
mkdir -p "$work/fw/link"
ln -s "$root/scripts/minimal-firewall.sh" "$work/fw/link/knockknock-minimal-firewall"
printf '#!/bin/sh\n"%s" "$@" | sed "s/^usage:/Usage:/"\n' "$work/fw/link/knockknock-minimal-firewall" > "$work/fw/knockknock-minimal-firewall"
chmod +x "$work/fw/knockknock-minimal-firewall"
page "$out/knockknock-minimal-firewall.8" 8 "$work/fw/knockknock-minimal-firewall"
echo "make-man.sh: wrote knockknock.1, knockknock-daemon.8, knockknock-genprofile.8, knockknock-minimal-firewall.8 into $out"
