#!/bin/bash
# minimal-firewall.sh: sets up a default-drop input firewall for KnockKnock, IPv4 and IPv6:
# loopback and established connections allowed (and ICMPv6 neighbour discovery, multicast
# listener queries and errors), SYNs to every profile's knock port LOGged (prefix, TCP sequence
# numbers and options, rate-limited per source address, IPv6 per /64) and dropped, the daemon's
# openings accepted.
#
#   minimal-firewall.sh [--firewall nft|iptables] [--config-dir DIR] [--dry-run] [--knockknock-daemon PATH]
#
# The rules come from `knockknock-daemon rules` (the one place that writes them); this script only
# applies them:
#   nft:      the printed ruleset goes to `nft -f -` (one atomic transaction; table inet knockknock
#             only, other tables are left alone; reloading keeps current openings).
#   iptables: one command per printed line (ipset, iptables, ip6tables), never through a shell:
#             no eval, no word splitting by the shell. Each line is checked against a strict
#             grammar (words of [A-Za-z0-9_.,:/=+%@-] or one single-quoted word without quotes,
#             separated by one space; only the log prefix needs quotes) and split into an argv by
#             the regex in tokenize; a line that does not fit aborts before anything is applied.
#             That keeps the printed lines pasteable into a shell by hand and leaves nothing for
#             this script to interpret. Re-runs are safe: `ipset -exist create` accepts an identical
#             set, `-N CHAIN` is skipped when the chain exists, and `-A`/`-I` when `iptables -C`
#             (or ip6tables -C) finds the rule, unless the list flushed that chain before (then it
#             is rebuilt).
# --dry-run prints on stdout exactly what would be applied (the nft input, or the command lines;
# lines found present already are printed as "# present, skipped: ...") and changes nothing: it
# only reads the ruleset (nft -c, iptables -C/-L, ip6tables -C/-L).
#
# Exit codes: 0 done, 1 failure (missing tool or daemon, a firewall command failed),
# 2 usage (bad option, no profiles, bad config), 3 not root.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C
me=${0##*/}

die() {
    local code=$1
    shift
    echo "$me: $*" >&2
    exit "$code"
}

usage() {
    echo "usage: $me [--firewall nft|iptables] [--config-dir DIR] [--dry-run] [--knockknock-daemon PATH]"
}

firewall=""
config_dir=""
dry_run=0
daemon=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --firewall)
            [[ $# -ge 2 && ( $2 == nft || $2 == iptables ) ]] || die 2 "--firewall takes nft or iptables"
            firewall=$2
            shift 2
            ;;
        --config-dir)
            [[ $# -ge 2 && -n $2 ]] || die 2 "--config-dir takes a directory"
            config_dir=$2
            shift 2
            ;;
        --knockknock-daemon)
            [[ $# -ge 2 && -n $2 ]] || die 2 "--knockknock-daemon takes the path of the knockknock-daemon executable"
            daemon=$2
            shift 2
            ;;
        --dry-run)
            dry_run=1
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            die 2 "unknown argument '$1' ($(usage))"
            ;;
    esac
done

# Root even for --dry-run: the profiles are root-only (0700) and iptables -C needs CAP_NET_ADMIN.
[[ $EUID -eq 0 ]] || die 3 "must run as root: it reads the root-only profiles and changes the firewall (use sudo)"

if [[ -z $daemon ]]; then
    daemon=$(command -v knockknock-daemon || true)
    [[ -n $daemon ]] || daemon=/usr/local/bin/knockknock-daemon
fi
[[ -f $daemon && -x $daemon ]] || die 1 "knockknock-daemon not found at $daemon: install it (scripts/install.sh) or pass --knockknock-daemon PATH"

rules_args=(rules)
[[ -z $firewall ]] || rules_args+=(--firewall "$firewall")
[[ -z $config_dir ]] || rules_args+=(--config-dir "$config_dir")
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
status=0
rules=$("$daemon" "${rules_args[@]}" 2>"$errors") || status=$?
if [[ $status -ne 0 ]]; then
    message=$(head -n 1 "$errors")
    die "$status" "${message:-knockknock-daemon rules exited $status}"
fi

header=${rules%%$'\n'*}
case $header in
    "# knockknock-daemon rules --firewall nft") kind=nft ;;
    "# knockknock-daemon rules --firewall iptables") kind=iptables ;;
    *) die 1 "unexpected first line from $daemon rules: '$header' (daemon and script from different versions?)" ;;
esac

if [[ $kind == nft ]]; then
    tool=$(command -v nft || true)
    [[ -n $tool ]] || die 1 "nft not found: install nftables (apt-get install nftables) or use --firewall iptables"
else
    declare -A tools=()
    for name in iptables ip6tables ipset; do
        tools[$name]=$(command -v "$name" || true)
        [[ -n ${tools[$name]} ]] || die 1 "$name not found: install iptables and ipset (apt-get install iptables ipset) or use --firewall nft"
    done
    # knockknock-daemon refuses legacy iptables (its worker notices a reload that removed its chain
    # only through nf_tables): a default-drop baseline that no daemon can serve would only lock new
    # logins out.
    for name in iptables ip6tables; do
        version=$("${tools[$name]}" --version)
        [[ $version == *"(nf_tables)"* ]] || die 1 "${tools[$name]} is not $name-nft ($version): knockknock-daemon refuses legacy iptables; use --firewall nft, or update-alternatives --set $name /usr/sbin/$name-nft"
    done
fi

echo "$me: warning: established connections (your SSH session) and loopback stay allowed; every other new inbound connection (IPv4 and IPv6) is dropped unless a knock opens it" >&2

if [[ $kind == nft ]]; then
    if [[ $dry_run -eq 1 ]]; then
        # nft -c: the kernel checks the whole transaction and commits nothing.
        printf '%s\n' "$rules" | "$tool" -c -f - || die 1 "nft rejected the ruleset (nothing was changed)"
        printf '%s\n' "$rules"
        echo "$me: dry run: would run 'nft -f -' with the ruleset above; nothing changed" >&2
        exit 0
    fi
    printf '%s\n' "$rules" | "$tool" -f - || die 1 "nft rejected the ruleset (nothing was changed: nft -f is one transaction)"
    echo "$me: loaded table inet knockknock (policy drop)" >&2
    exit 0
fi

# ---- iptables and ip6tables (and ipset): one argv per line, no shell ----

# Splits $1 into the array `words`; returns 1 when the line is not in the grammar above.
tokenize() {
    local rest=$1
    local re="^([A-Za-z0-9_.,:/=+%@-]+|'[^']*')( (.+))?$"
    words=()
    [[ $rest != *[![:print:]]* ]] || return 1
    while [[ -n $rest ]]; do
        [[ $rest =~ $re ]] || return 1
        local word=${BASH_REMATCH[1]}
        if [[ $word == \'* ]]; then
            word=${word:1:${#word}-2}
        fi
        words+=("$word")
        rest=${BASH_REMATCH[3]}
    done
}

commands=()
while IFS= read -r line; do
    [[ -n $line && $line != \#* ]] || continue
    tokenize "$line" || die 1 "refusing a line from $daemon rules that is not plain words: $line"
    [[ ${#words[@]} -ge 3 && ( ( ${words[0]} =~ ^ip6?tables$ && ${words[1]} == -w ) || ( ${words[0]} == ipset && ${words[1]} == -exist && ${words[2]} == create ) ) ]] \
        || die 1 "refusing a line from $daemon rules that is not an 'iptables -w', 'ip6tables -w' or 'ipset -exist create' command: $line"
    commands+=("$line")
done <<<"$rules"
[[ ${#commands[@]} -gt 0 ]] || die 1 "$daemon rules printed no commands"

declare -A flushed=()
applied=0
skipped=0
for line in "${commands[@]}"; do
    tokenize "$line"
    tool=${tools[${words[0]}]}
    args=("${words[@]:1}")
    op=${words[2]}
    chain=${words[3]:-none}
    present=0
    case ${words[0]}:$op in
        *tables:-F)
            flushed[${words[0]}:$chain]=1
            ;;
        *tables:-N)
            if "$tool" -w -n -L "$chain" >/dev/null 2>&1; then present=1; fi
            ;;
        *tables:-A | *tables:-I)
            spec=("${words[@]:4}")
            if [[ $op == -I && ${spec[0]:-} =~ ^[0-9]+$ ]]; then spec=("${spec[@]:1}"); fi
            if [[ -z ${flushed[${words[0]}:$chain]:-} ]] && "$tool" -w -C "$chain" "${spec[@]}" >/dev/null 2>&1; then present=1; fi
            ;;
    esac
    if [[ $present -eq 1 ]]; then
        skipped=$((skipped + 1))
        [[ $dry_run -eq 0 ]] || echo "# present, skipped: $line"
        continue
    fi
    if [[ $dry_run -eq 1 ]]; then
        echo "$line"
        continue
    fi
    # The ACCEPT rules for loopback and established connections come before the policy turns to
    # DROP (the last line of each family): a failure here leaves that policy as it was, so nobody
    # is locked out.
    "$tool" "${args[@]}" || die 1 "failed: $line (the commands before it are in place; an INPUT policy is unchanged unless its last line ran)"
    applied=$((applied + 1))
done

if [[ $dry_run -eq 1 ]]; then
    echo "$me: dry run: nothing changed" >&2
else
    echo "$me: ran $applied command(s), $skipped already in place; INPUT policy DROP for IPv4 and IPv6" >&2
fi
