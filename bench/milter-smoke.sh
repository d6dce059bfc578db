#!/bin/bash
# milter-smoke.sh - ctest bench.milter_smoke: bench/milter_bench's milter
# protocol client against a real mauthd, so that the client the benchmark
# rests on is known to speak the protocol and to check replies honestly.
#
#   milter-smoke.sh BUILD_DIR SOURCE_DIR
#
# mauthd answers DNS from testdata/verify/sample.zone (no DNS server
# needed) on a unix socket; the corpus is bench/gen-corpus's (20 messages
# per set).  Cases:
#   all four modes, 5 KB messages: every reply as expected (signatures with
#     the right a= and d=, dkim=pass, dkim=fail for the altered bodies)
#   verify-rsa and sign-ed with 100 KB messages (bodies in two chunks)
#   one connection, every message altered (-t 1)
#   an MTA that offers no no-reply stages (-P): every stage answered
#   the same run with every expectation inverted (-w): every message must
#     count as a mismatch, or the checks could not fail
# Prints one line per case and "N passed, N failed".
set -u

build=$(realpath "$1")
src=$(realpath "$2")
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

TMP=$(mktemp -d /tmp/mauth-milter-smoke.XXXXXX) || exit 1
MD_PID=
cleanup() {
	[ -n "$MD_PID" ] && kill -KILL "$MD_PID" 2>/dev/null &&
	    wait "$MD_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

if ! /usr/bin/python3 "$src/bench/gen-corpus" "$TMP/corpus" 20 \
    >"$TMP/gen.out" 2>&1; then
	cat "$TMP/gen.out"
	echo "0 passed, 1 failed"
	exit 1
fi

keys=$src/testdata/verify/keys
cat >"$TMP/mauthd.conf" <<CONF
socket = "unix:$TMP/mauthd.sock"
authserv_id = "mx.sink.test"
mode = "sign+verify"
internal_networks = { "10.0.0.0/8" }
sign {
	domain = "bank.test"
	selector = "rsa1"
	key = "$keys/rsa2048.pem"
}
sign {
	domain = "ed.bank.test"
	selector = "ed1"
	key = "$keys/ed25519.pem"
	algorithm = "ed25519-sha256"
}
dns_zone_file = "$src/testdata/verify/sample.zone"
rules_file = "$src/rules/default.rules"
log = "stderr"
CONF
"$build/mauthd" -f -c "$TMP/mauthd.conf" 2>"$TMP/mauthd.log" &
MD_PID=$!
for _ in $(seq 1 200); do
	[ -S "$TMP/mauthd.sock" ] && break
	kill -0 $MD_PID 2>/dev/null || break
	sleep 0.05
done
if [ ! -S "$TMP/mauthd.sock" ]; then
	cat "$TMP/mauthd.log"
	echo "0 passed, 1 failed"
	exit 1
fi
milter="mauthd=unix:$TMP/mauthd.sock,$MD_PID"

# run NAME WANT_RC PATTERN ARGS... - one milter_bench run; its exit status
# must be WANT_RC and its output must match PATTERN
run() {
	local name=$1 want=$2 pat=$3 rc
	shift 3
	"$build/bench/milter_bench" "$@" "$TMP/corpus" "$milter" \
	    >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		bad "$name: exit $rc, want $want"
		sed 's/^/     /' "$TMP/out" "$TMP/err" | head -20
	elif ! grep -q -E "$pat" "$TMP/out"; then
		bad "$name: output does not match /$pat/"
		sed 's/^/     /' "$TMP/out" | head -20
	elif grep -q -E 'Sanitizer|runtime error:' "$TMP/err" \
	    "$TMP/mauthd.log"; then
		bad "$name: sanitizer report"
	else
		ok "$name"
	fi
}

# 4 modes x (1 + 20 warm-up + 40) messages
run "four modes, 5 KB" 0 \
    '^244 messages judged, 0 mismatches, 0 protocol errors$' -c 4 -n 40 -r 1
run "100 KB bodies in two chunks" 0 \
    '^122 messages judged, 0 mismatches, 0 protocol errors$' \
    -c 2 -n 40 -r 1 -s 100k -m verify-rsa,sign-ed
run "every body altered" 0 '^61 messages judged, 0 mismatches' \
    -c 1 -n 40 -r 1 -t 1 -m verify-ed
run "an MTA without no-reply stages (-P)" 0 \
    '^244 messages judged, 0 mismatches, 0 protocol errors$' -c 2 -n 40 -r 1 -P
run "checks inverted: all mismatches" 0 \
    '^244 messages judged, 244 mismatches, 0 protocol errors$' \
    -c 4 -n 40 -r 1 -w
if kill -0 $MD_PID 2>/dev/null; then
	ok "mauthd still running"
else
	bad "mauthd died"
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
