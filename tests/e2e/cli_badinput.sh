#!/bin/bash
# cli_badinput.sh - "mauth spf" against bad arguments and hostile zone data.
#
# usage: cli_badinput.sh MAUTH SRCDIR
#
# Every case states the exit status and a pattern the output must match.
# On top of that, for every case:
#   - exit 2 must come with exactly one line "mauth: error: ..." on stderr
#     and nothing on stdout;
#   - a crash (signal, sanitizer report) is a failure;
#   - stdout never carries a control byte other than newline (untrusted
#     text is escaped).
# Offline only (--zone, or resolvers that fail before any query).
# Prints "N passed, N failed"; exits 1 on any failure.
set -euo pipefail
export LC_ALL=C

if [ $# -ne 2 ]; then
	echo "usage: cli_badinput.sh MAUTH SRCDIR" >&2
	exit 2
fi
MAUTH=$(realpath "$1")
SRC=$(realpath "$2")
EXAMPLE=$SRC/testdata/zones/example.zone
TMP=$(mktemp -d /tmp/mauth-badinput.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
E2E_NAME=cli_badinput
. "$SRC/tests/e2e/lib.sh"

# check NAME WANT_STATUS PATTERN ARGS... - run "mauth ARGS..." and judge it
check() {
	local name=$1 want=$2 pat=$3
	shift 3
	local rc=0 why= matched=0
	"$MAUTH" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	cat "$TMP/out" "$TMP/err" >"$TMP/all"
	if grep -q -E -- "$pat" "$TMP/all"; then
		matched=1
	fi
	why=$(e2e_judge $rc "$want" $matched "$pat")
	if [ -z "$why" ]; then
		PASS=$((PASS + 1))
		echo "ok   $name: exit $rc: $(head -1 "$TMP/all" | cut -c1-110)"
	else
		FAIL=$((FAIL + 1))
		echo "FAIL $name: $why"
		head -5 "$TMP/all" | cut -c1-200 | sed 's/^/       /'
	fi
}

# spf ARGS - shorthand for a valid evaluation against the example zone
Z=(--zone "$EXAMPLE")

# ---- arguments ------------------------------------------------------------
check no-ip 2 'ip is required' spf --mail-from a@example.test "${Z[@]}"
check ip-octet-256 2 "--ip: '256.1.1.1'" spf --ip 256.1.1.1 --mail-from a@example.test "${Z[@]}"
check ip-three-octets 2 "--ip: '1.2.3'" spf --ip 1.2.3 --mail-from a@example.test "${Z[@]}"
check ip6-bad-hex 2 "--ip: '::g'" spf --ip ::g --mail-from a@example.test "${Z[@]}"
check ip6-two-gaps 2 "--ip" spf --ip 2001:db8::1::2 --mail-from a@example.test "${Z[@]}"
check ip-empty 2 "--ip: ''" spf --ip "" --mail-from a@example.test "${Z[@]}"
check ip-with-prefix 2 "--ip" spf --ip 192.0.2.1/24 --mail-from a@example.test "${Z[@]}"
check ip-leading-space 2 "--ip" spf --ip " 192.0.2.1" --mail-from a@example.test "${Z[@]}"
check ip-hostname 2 "--ip" spf --ip example.test --mail-from a@example.test "${Z[@]}"
check unknown-option 2 "unknown option '--bogus'" spf --bogus --ip 192.0.2.1 --mail-from a@example.test "${Z[@]}"
check unknown-command 2 "unknown command 'spff'" spff --ip 192.0.2.1
check missing-value 2 "needs a value" spf --mail-from a@example.test "${Z[@]}" --ip
check stray-argument 2 "unexpected argument" spf --ip 192.0.2.1 --mail-from a@example.test "${Z[@]}" extra
check no-identity 2 "give --mail-from or --helo" spf --ip 192.0.2.1 "${Z[@]}"
check null-sender-no-helo 2 "null reverse-path" spf --ip 192.0.2.1 --mail-from "" "${Z[@]}"
check identity-helo-no-helo 2 "needs --helo" spf --ip 192.0.2.1 --mail-from a@example.test --identity helo "${Z[@]}"
check identity-bad 2 "--identity" spf --ip 192.0.2.1 --mail-from a@example.test --identity both "${Z[@]}"
check zone-and-server 2 "cannot be used together" spf --ip 192.0.2.1 --mail-from a@example.test "${Z[@]}" --dns-server 127.0.0.1
check server-not-ip 2 "error" spf --ip 192.0.2.1 --mail-from a@example.test --dns-server not-an-ip
check server-bad-port 2 "error" spf --ip 192.0.2.1 --mail-from a@example.test --dns-server 127.0.0.1:99999
check server-empty 2 "empty address" spf --ip 192.0.2.1 --mail-from a@example.test --dns-server ""
check server-too-many 2 "at most 8" spf --ip 192.0.2.1 --mail-from a@example.test \
    --dns-server 127.0.0.1 --dns-server 127.0.0.1 --dns-server 127.0.0.1 \
    --dns-server 127.0.0.1 --dns-server 127.0.0.1 --dns-server 127.0.0.1 \
    --dns-server 127.0.0.1 --dns-server 127.0.0.1 --dns-server 127.0.0.1
check timeout-zero 2 "--timeout" spf --ip 192.0.2.1 --mail-from a@example.test --timeout 0 "${Z[@]}"
check timeout-text 2 "--timeout" spf --ip 192.0.2.1 --mail-from a@example.test --timeout 5s "${Z[@]}"
check timeout-huge 2 "--timeout" spf --ip 192.0.2.1 --mail-from a@example.test --timeout 99999999999999999999 "${Z[@]}"
check retries-negative 2 "--retries" spf --ip 192.0.2.1 --mail-from a@example.test --retries -1 "${Z[@]}"

# ---- malformed and over-long names: RFC 7208 4.3 makes them "none" --------
L63=$(printf 'a%.0s' $(seq 1 63))
L64=$(printf 'a%.0s' $(seq 1 64))
LONG=$(for _ in $(seq 1 5); do printf '%s.' "$L63"; done)test	# 325 octets
check label-63-ok 0 '^none' spf --ip 192.0.2.1 --mail-from "a@$L63.test" "${Z[@]}"
check label-64 0 '^none' spf --ip 192.0.2.1 --mail-from "a@$L64.test" "${Z[@]}"
check name-300 0 '^none' spf --ip 192.0.2.1 --mail-from "a@$LONG" "${Z[@]}"
check helo-label-64 0 '^none' spf --ip 192.0.2.1 --helo "$L64.example.test" "${Z[@]}"
check helo-name-300 0 '^none' spf --ip 192.0.2.1 --helo "$LONG" "${Z[@]}"
check empty-label 0 '^none' spf --ip 192.0.2.1 --mail-from "a@example..test" "${Z[@]}"
check single-label 0 '^none' spf --ip 192.0.2.1 --mail-from "a@localhost" "${Z[@]}"
check control-in-domain 0 '^none' spf --ip 192.0.2.1 --mail-from "$(printf 'a@exa\001mple.test')" "${Z[@]}"
# a 10 000-byte local-part: only the domain decides, and %{s} in exp= must not blow up
X10K=$(printf 'x%.0s' $(seq 1 10000))
check local-part-10k 0 '^pass' spf --ip 192.0.2.25 --mail-from "$X10K@example.test" "${Z[@]}"
check local-part-10k-exp 0 '^explanation: ' spf --ip 203.0.113.9 --mail-from "$X10K@strict.test" --helo h.test "${Z[@]}"
check null-sender-long-helo 0 '^none' spf --ip 192.0.2.1 --mail-from "" --helo "$LONG" "${Z[@]}"
check json-escapes 0 '"result": "none"' spf --ip 192.0.2.1 --mail-from "$(printf 'a@exa\001mple.test')" --json "${Z[@]}"

# ---- zone files ------------------------------------------------------------
check zone-missing 2 "$TMP/nonexistent.zone" spf --ip 192.0.2.1 --mail-from a@example.test --zone "$TMP/nonexistent.zone"
mkdir "$TMP/adir"
check zone-is-directory 2 "mauth: error: " spf --ip 192.0.2.1 --mail-from a@example.test --zone "$TMP/adir"

printf '$ORIGIN test.\nok TXT "v=spf1 -all"\nbad TXT\n' >"$TMP/syntax1.zone"
check zone-txt-no-data 2 "syntax1.zone:3" spf --ip 192.0.2.1 --mail-from a@ok.test --zone "$TMP/syntax1.zone"
printf 'ok.test. TXT "v=spf1 -all"\n\nhost.test. A 192.0.2.300\n' >"$TMP/syntax2.zone"
check zone-bad-a 2 "syntax2.zone:3" spf --ip 192.0.2.1 --mail-from a@ok.test --zone "$TMP/syntax2.zone"
printf 'ok.test. TXT "v=spf1 -all"\nu.test. TXT "unterminated\n' >"$TMP/syntax3.zone"
check zone-unterminated-quote 2 "syntax3.zone:[23]" spf --ip 192.0.2.1 --mail-from a@ok.test --zone "$TMP/syntax3.zone"
printf 'ok.test. TXT "%s"\n' "$(printf 'x%.0s' $(seq 1 300))" >"$TMP/syntax4.zone"
check zone-string-over-255 2 "syntax4.zone:1" spf --ip 192.0.2.1 --mail-from a@ok.test --zone "$TMP/syntax4.zone"
printf 'ok.test. BOGUSTYPE foo\n' >"$TMP/syntax5.zone"
check zone-unknown-type 2 "syntax5.zone:1" spf --ip 192.0.2.1 --mail-from a@ok.test --zone "$TMP/syntax5.zone"
printf '%s.test. A 192.0.2.1\n' "$L64" >"$TMP/syntax6.zone"
check zone-label-64 2 "syntax6.zone:1" spf --ip 192.0.2.1 --mail-from a@ok.test --zone "$TMP/syntax6.zone"
printf 'ok.test. TXT "v=spf1 -all"\n' >"$TMP/empty-ok.zone"
: >"$TMP/empty.zone"
check zone-empty-file 0 '^none' spf --ip 192.0.2.1 --mail-from a@ok.test --zone "$TMP/empty.zone"

# ---- hostile records -------------------------------------------------------
{
	echo '$ORIGIN test.'
	# a NUL byte inside the record
	echo 'nul TXT "v=spf1 \000 -all"'
	echo 'nultail TXT "v=spf1 -all\000"'
	# control bytes: BEL, ESC (terminal escape), DEL
	echo 'ctl TXT "v=spf1 ip4:192.0.2.1\007 -all"'
	echo 'esc TXT "v=spf1 \027[31m -all"'
	# a fail whose explanation carries control bytes and a NUL
	echo 'expctl TXT "v=spf1 -all exp=e.expctl.test"'
	echo 'e.expctl TXT "bad\007text\027[2J\000here"'
	# high bytes (not UTF-8) in a record
	echo 'high TXT "v=spf1 \255\254 -all"'
	# a huge record: 40 strings of 250 bytes, ~10 KB, the match at its end
	# (a valid record, cut into 250-byte strings wherever the cut falls)
	printf 'huge TXT ( '
	{
		printf 'v=spf1'
		for i in $(seq 1 600); do
			printf ' ip4:10.%d.%d.0/24' $((i / 200)) $((i % 200))
		done
		printf ' ip4:192.0.2.1 -all'
	} | fold -w 250 | sed 's/.*/"&"/' | tr '\n' ' '
	echo ')'
} >"$TMP/hostile.zone"
H=(--zone "$TMP/hostile.zone")
check record-nul 0 '^permerror' spf --ip 192.0.2.1 --mail-from a@nul.test "${H[@]}"
check record-nul-tail 0 '^(permerror|fail)' spf --ip 192.0.2.1 --mail-from a@nultail.test "${H[@]}"
check record-nul-explain 0 'permerror' spf --ip 192.0.2.1 --mail-from a@nul.test --explain "${H[@]}"
check record-nul-json 0 '"result": "permerror"' spf --ip 192.0.2.1 --mail-from a@nul.test --json "${H[@]}"
check record-bel 0 '^permerror' spf --ip 192.0.2.1 --mail-from a@ctl.test "${H[@]}"
check record-esc 0 '^permerror' spf --ip 192.0.2.1 --mail-from a@esc.test "${H[@]}"
check record-esc-explain 0 'permerror' spf --ip 192.0.2.1 --mail-from a@esc.test --explain "${H[@]}"
check exp-control-bytes 0 '^fail' spf --ip 192.0.2.1 --mail-from a@expctl.test "${H[@]}"
check exp-control-json 0 '"result": "fail"' spf --ip 192.0.2.1 --mail-from a@expctl.test --json "${H[@]}"
check record-high-bytes 0 '^permerror' spf --ip 192.0.2.1 --mail-from a@high.test "${H[@]}"
check record-high-json 0 '"result": "permerror"' spf --ip 192.0.2.1 --mail-from a@high.test --json "${H[@]}"
check record-huge 0 '^(pass|permerror)' spf --ip 192.0.2.1 --mail-from a@huge.test "${H[@]}"
check record-huge-json 0 '"result": "(pass|permerror)"' spf --ip 192.0.2.1 --mail-from a@huge.test --json "${H[@]}"

# ---- the JSON outputs above must all be valid JSON -------------------------
if command -v jq >/dev/null; then
	for who in nul.test expctl.test high.test huge.test; do
		rc=0
		"$MAUTH" spf --ip 192.0.2.1 --mail-from "a@$who" --json "${H[@]}" |
		    jq -e .result >/dev/null || rc=$?
		if [ $rc = 0 ]; then
			PASS=$((PASS + 1))
			echo "ok   json-valid-$who"
		else
			FAIL=$((FAIL + 1))
			echo "FAIL json-valid-$who: jq could not parse the output"
		fi
	done
else
	FAIL=$((FAIL + 1))
	echo "FAIL jq not installed (run scripts/install-deps)"
fi

e2e_done
