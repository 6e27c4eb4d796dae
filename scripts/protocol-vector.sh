#!/usr/bin/env bash
# Recomputes one knock protocol test vector with the OpenSSL command line, independently of the C#
# code (docs/PROTOCOL.md, "Test vectors"). Usage:
#   scripts/protocol-vector.sh SECRET_HEX COUNTER KNOCK_PORT PORT [SOURCE_IPV4]
#       protocol 1; prints: ID SEQ ACK WINDOW (decimal)
#   scripts/protocol-vector.sh --v2 ipv4|ipv6 SECRET_HEX COUNTER KNOCK_PORT PORT [SOURCE]
#       protocol 2; prints: ID (ipv4) or FLOWLBL (ipv6), SEQ, TSVAL (decimal)
# With a SOURCE address the profile binds the source (IPv4 or IPv6 as the family says).
set -euo pipefail
usage() {
    echo "usage: $0 SECRET_HEX COUNTER KNOCK_PORT PORT [SOURCE_IPV4]" >&2
    echo "       $0 --v2 ipv4|ipv6 SECRET_HEX COUNTER KNOCK_PORT PORT [SOURCE]" >&2
    exit 2
}
version=1 family=
if [ "${1:-}" = --v2 ]; then
    version=2 family=${2:-}
    [ "$family" = ipv4 ] || [ "$family" = ipv6 ] || usage
    shift 2
fi
[ $# -ge 4 ] || usage
secret=$1 counter=$2 knock_port=$3 port=$4 source=${5:-}

hkdf() { # hkdf LABEL -> 32-byte key, hex
    openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt "hexkey:$secret" -kdfopt "info:$1" HKDF | tr -d ':\n' | tr 'A-F' 'a-f'
}
aes() { # aes KEY_HEX BLOCK_HEX -> 16 bytes, hex
    printf '%s' "$2" | xxd -r -p | openssl enc -aes-256-ecb -K "$1" -nopad | xxd -p -c 32
}
hex16() { printf '%04x' "$1"; }
ipv4_hex() { local a b c d; IFS=. read -r a b c d <<<"$1"; printf '%02x%02x%02x%02x' "$a" "$b" "$c" "$d"; }
ipv6_hex() { # the 16 bytes of an IPv6 address in any RFC 4291 text form without a dotted tail
    local head=${1%%::*} tail= groups=() out= g
    [[ $1 == *::* ]] && tail=${1#*::}
    IFS=: read -r -a left <<<"$head"
    IFS=: read -r -a right <<<"$tail"
    groups=("${left[@]}")
    if [[ $1 == *::* ]]; then
        for ((g = ${#left[@]} + ${#right[@]}; g < 8; g++)); do groups+=(0); done
        groups+=("${right[@]}")
    fi
    [ ${#groups[@]} -eq 8 ] || { echo "$0: not an IPv6 address: $1" >&2; exit 2; }
    for g in "${groups[@]}"; do out+=$(printf '%04x' "$((16#$g))"); done
    printf '%s' "$out"
}
xor128() { # xor128 HEX32 HEX32 -> HEX32
    printf '%016x%016x' $((0x${1:0:16} ^ 0x${2:0:16})) $((0x${1:16:16} ^ 0x${2:16:16}))
}

counter_hex=$(printf '%016x' "$counter")
bound=${source:+ bound-source}
k_enc=$(hkdf "KnockKnock v$version encryption")
if [ "$version" = 1 ]; then
    k_mac=$(hkdf "KnockKnock v1 mac$bound")
else
    k_mac=$(hkdf "KnockKnock v2 mac $family$bound")
fi
keystream=$(aes "$k_enc" "${counter_hex}$(hex16 "$knock_port")000000000000")
ciphertext=$(( 0x${keystream:0:4} ^ port ))
source4=00000000
[ -n "$source" ] && [ "$family" != ipv6 ] && source4=$(ipv4_hex "$source")
block="${counter_hex}$(hex16 "$knock_port")$(hex16 "$ciphertext")${source4}"

if [ "$version" = 1 ]; then
    tag=$(aes "$k_mac" "$block")
    knock="$(hex16 "$ciphertext")${tag:0:20}"
    echo "$((16#${knock:0:4})) $((16#${knock:4:8})) $((16#${knock:12:8})) $((16#${knock:20:4}))"
    exit 0
fi
if [ -n "$source" ] && [ "$family" = ipv6 ]; then
    # CBC-MAC of the two blocks S16 | B: AES(K, AES(K, S16) XOR B)
    mac=$(aes "$k_mac" "$(xor128 "$(aes "$k_mac" "$(ipv6_hex "$source")")" "$block")")
else
    mac=$(aes "$k_mac" "$block")
fi
if [ "$family" = ipv4 ]; then
    echo "$ciphertext $((16#${mac:0:8})) $((16#${mac:8:8}))"
else
    # 68 tag bits: 4 below the ciphertext in the flow label, then SEQ, then TSVAL
    echo "$(( (ciphertext << 4) | 16#${mac:0:1} )) $((16#${mac:1:8})) $((16#${mac:9:8}))"
fi
