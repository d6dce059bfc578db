#!/bin/bash
# verify_dns.sh - "mauth verify" through a real DNS server gives the same
# JSON as --zone on the same zone file.
#
# usage: verify_dns.sh MAUTH SRCDIR
#
# Inside a private network, mount and PID namespace (unshare -n -m -p -f),
# NSD serves testdata/verify/sample.zone on 127.0.0.1:5353.  Every sample
# (messages/ and sample.mbox) is verified through --dns-server and through
# --zone, without SPF and with --ip/--mail-from/--helo; the JSON Lines
# must be identical (the measured DNS wait excepted) and match the key
# fields of testdata/verify/expected/*.tsv.
# Prints "N passed, N failed"; exits 1 on any failure.  Never skips.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
export LC_ALL=C

if [ $# -ne 2 ]; then
	echo "usage: verify_dns.sh MAUTH SRCDIR" >&2
	exit 2
fi
MAUTH=$(realpath "$1")
SRC=$(realpath "$2")
V=$SRC/testdata/verify
ZONE=$V/sample.zone
PORT=5353
E2E_NAME=verify_dns
. "$SRC/tests/e2e/lib.sh"

e2e_enter_ns "$0" "$@"

TMP=$(mktemp -d /tmp/mauth-verify-dns.XXXXXX)
NSD_PID=
cleanup() {
	[ -z "$NSD_PID" ] || kill -TERM "$NSD_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

# ---- NSD -------------------------------------------------------------------
e2e_nsd_start "$ZONE" sample.zone
ok "nsd serves sample.zone on 127.0.0.1:$PORT"

KEYS='[.source.label, (.spf.result // "-"), ((.dkim|map(.result)|join(","))|if .=="" then "-" else . end), .dmarc.result, (.dmarc.policy // "-"), (if .from_problem then "yes" else "no" end)] | @tsv'

# same NAME EXPECTED_TSV ARGS... - --dns-server and --zone agree, and match
same() {
	local name=$1 exp=$2
	shift 2
	local rz=0 rd=0
	(cd "$V" && "$MAUTH" verify --json --quiet --authserv-id mx.test \
	    --zone sample.zone "$@" messages sample.mbox) >"$TMP/z.json" \
	    2>"$TMP/z.err" || rz=$?
	(cd "$V" && "$MAUTH" verify --json --quiet --authserv-id mx.test \
	    --dns-server 127.0.0.1:$PORT --timeout 2000 --retries 2 "$@" \
	    messages sample.mbox) >"$TMP/d.json" 2>"$TMP/d.err" || rd=$?
	if [ $rz != 0 ] || [ $rd != 0 ]; then
		bad "$name: exit zone=$rz dns=$rd: $(cat "$TMP/z.err" "$TMP/d.err" | head -2)"
		return
	fi
	if grep -q -E 'Sanitizer|runtime error:' "$TMP/z.err" "$TMP/d.err"; then
		bad "$name: sanitizer report"
		return
	fi
	jq -c -S 'del(.dns.wait_ms)' "$TMP/z.json" >"$TMP/z.norm"
	jq -c -S 'del(.dns.wait_ms)' "$TMP/d.json" >"$TMP/d.norm"
	if ! diff "$TMP/z.norm" "$TMP/d.norm" >"$TMP/diff"; then
		bad "$name: --zone and --dns-server differ:"
		head -6 "$TMP/diff" | cut -c1-300
		return
	fi
	if ! diff <(grep -v '^#' "$exp") <(jq -r "$KEYS" "$TMP/d.json") >"$TMP/diff"; then
		bad "$name: differs from $(basename "$exp"):"
		head -10 "$TMP/diff"
		return
	fi
	ok "$name: $(wc -l <"$TMP/d.json") messages, identical JSON through NSD and --zone, as in $(basename "$exp") ($(jq -s 'map(.dns.sent) | add' "$TMP/d.json") queries sent)"
}

same no-spf "$V/expected/zone.tsv"
same spf-bank "$V/expected/zone-spf.tsv" --ip 192.0.2.25 --mail-from alice@bank.test \
    --helo mail.bank.test

e2e_done
