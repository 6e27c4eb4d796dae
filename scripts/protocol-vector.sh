#!/usr/bin/env bash
# Recomputes one knock protocol v1 test vector with the OpenSSL command line, independently of the
# C# code (docs/PROTOCOL.md, "Test vectors"). Usage:
#   scripts/protocol-vector.sh SECRET_HEX COUNTER KNOCK_PORT PORT [SOURCE_IPV4]
# Prints: ID SEQ ACK WINDOW (decimal). With SOURCE_IPV4 the profile binds the source address.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 SECRET_HEX COUNTER KNOCK_PORT PORT [SOURCE_IPV4]" >&2; exit 2; }
secret=$1 counter=$2 knock_port=$3 port=$4 source=${5:-}

hkdf() { # hkdf LABEL -> 32-byte key, hex
    openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt "hexkey:$secret" -kdfopt "info:$1" HKDF | tr -d ':\n' | tr 'A-F' 'a-f'
}
aes() { # aes KEY_HEX BLOCK_HEX -> 16 bytes, hex
    printf '%s' "$2" | xxd -r -p | openssl enc -aes-256-ecb -K "$1" -nopad | xxd -p -c 32
}
hex64() { printf '%016x' "$1"; }
hex16() { printf '%04x' "$1"; }

k_enc=$(hkdf "KnockKnock v1 encryption")
if [ -n "$source" ]; then
    k_mac=$(hkdf "KnockKnock v1 mac bound-source")
    IFS=. read -r a b c d <<<"$source"
    source_hex=$(printf '%02x%02x%02x%02x' "$a" "$b" "$c" "$d")
else
    k_mac=$(hkdf "KnockKnock v1 mac")
    source_hex=00000000
fi
counter_hex=$(printf '%016x' "$counter")
keystream=$(aes "$k_enc" "${counter_hex}$(hex16 "$knock_port")000000000000")
ciphertext=$(( 0x${keystream:0:4} ^ port ))
tag=$(aes "$k_mac" "${counter_hex}$(hex16 "$knock_port")$(hex16 "$ciphertext")${source_hex}")
knock="$(hex16 "$ciphertext")${tag:0:20}"
echo "$((16#${knock:0:4})) $((16#${knock:4:8})) $((16#${knock:12:8})) $((16#${knock:20:4}))"
