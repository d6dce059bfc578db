#!/bin/bash
# verify_cli.sh - "mauth verify" end to end on testdata/verify, offline
# (--zone), plus hostile messages and a DNS server that never answers.
#
# usage: verify_cli.sh MAUTH DNS_BLACKHOLE SRCDIR
#
#   - key fields of --json (jq) against testdata/verify/expected/*.tsv, for
#     files, a directory, an mbox (the >From message must pass DKIM), stdin
#     and a Maildir made here;
#   - text output: the A-R header, "SPF not evaluated", the summary on
#     stderr only, JSON stdout clean;
#   - bad input: no headers, binary garbage, NUL bytes, a 1 MB header
#     line, 10,000 headers, 1,000 DKIM-Signature fields (bounded DNS and
#     time), an unreadable path, bad arguments, DNS timeouts (temperror
#     within a bound).
# For every run: the exit status, a pattern, no crash, no sanitizer report.
# Prints "N passed, N failed"; exits 1 on any failure.
set -euo pipefail
export LC_ALL=C

if [ $# -ne 3 ]; then
	echo "usage: verify_cli.sh MAUTH DNS_BLACKHOLE SRCDIR" >&2
	exit 2
fi
MAUTH=$(realpath "$1")
BLACKHOLE=$(realpath "$2")
SRC=$(realpath "$3")
V=$SRC/testdata/verify
ZONE=$V/sample.zone
PY=/usr/bin/python3
TMP=$(mktemp -d /tmp/mauth-verify.XXXXXX)
BH_PID=
cleanup() {
	[ -z "$BH_PID" ] || kill -TERM "$BH_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
E2E_NAME=verify_cli
. "$SRC/tests/e2e/lib.sh"

# run NAME WANT_STATUS ARGS... - mauth ARGS > $TMP/out 2> $TMP/err; judged
# for crash, sanitizer and status; returns 1 (after bad) if judged bad
run() {
	local name=$1 want=$2
	shift 2
	local rc=0
	"$MAUTH" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	if [ $rc -ge 128 ]; then
		bad "$name: crashed (exit $rc)"
		return 1
	fi
	if grep -q -E 'Sanitizer|runtime error:' "$TMP/err"; then
		bad "$name: sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$TMP/err")"
		return 1
	fi
	if [ $rc != "$want" ]; then
		bad "$name: exit $rc, want $want: $(head -2 "$TMP/err" | tr '\n' '|')"
		return 1
	fi
	return 0
}

# jcheck NAME JQ_EXPR WANT - one jq expression on $TMP/out equals WANT
jcheck() {
	local name=$1 expr=$2 want=$3 got
	if ! got=$(jq -r -s "$expr" "$TMP/out" 2>"$TMP/jqerr"); then
		bad "$name: output is not JSON Lines: $(head -1 "$TMP/jqerr")"
		return
	fi
	if [ "$got" = "$want" ]; then
		ok "$name: $want"
	else
		bad "$name: got '$got', want '$want'"
	fi
}

KEYS='.[] | [.source.label, (.spf.result // "-"), ((.dkim|map(.result)|join(","))|if .=="" then "-" else . end), .dmarc.result, (.dmarc.policy // "-"), (if .from_problem then "yes" else "no" end)] | @tsv'

# compare NAME EXPECTED_TSV - key fields of every message against a table
compare() {
	local name=$1 exp=$2
	if ! jq -r -s "$KEYS" "$TMP/out" >"$TMP/keys" 2>"$TMP/jqerr"; then
		bad "$name: output is not JSON Lines: $(head -1 "$TMP/jqerr")"
		return
	fi
	if diff <(grep -v '^#' "$exp") "$TMP/keys" >"$TMP/diff"; then
		ok "$name: $(wc -l <"$TMP/keys") messages as in $(basename "$exp")"
	else
		bad "$name: differs from $(basename "$exp"):"
		sed 's/^/       /' "$TMP/diff" | head -20
	fi
}

cd "$V"

# ---- the samples, offline ---------------------------------------------------
if run zone-json 0 verify --quiet --json --zone sample.zone messages sample.mbox; then
	compare zone-json "$V/expected/zone.tsv"
	[ ! -s "$TMP/err" ] && ok "zone-json: --quiet: stderr empty" ||
	    bad "zone-json: --quiet but stderr: $(head -1 "$TMP/err")"
fi
if run zone-spf-json 0 verify --quiet --json --zone sample.zone --ip 192.0.2.25 \
    --mail-from alice@bank.test messages sample.mbox; then
	compare zone-spf-json "$V/expected/zone-spf.tsv"
fi
if run mbox-json 0 verify --json --zone sample.zone sample.mbox; then
	jcheck mbox-indexes '[.[].source.index] | map(tostring) | join(",")' "1,2,3"
	jcheck mbox-from-escaped-passes '.[0].dkim[0].result' pass
	jcheck mbox-summary-not-on-stdout 'length' 3
	grep -q '^summary: 3 messages checked' "$TMP/err" &&
	    ok "mbox-summary: on stderr" ||
	    bad "mbox-summary: want 'summary: 3 messages checked' on stderr: $(head -1 "$TMP/err")"
fi
if run stdin-json 0 verify --json --zone sample.zone - <messages/01-pass-rsa.eml; then
	jcheck stdin '.[0] | "\(.source.label) \(.dkim[0].result) \(.dmarc.result)"' "- pass pass"
fi
# A Maildir made now: new/ and cur/, tmp/ skipped
mkdir -p "$TMP/md/cur" "$TMP/md/new" "$TMP/md/tmp"
cp messages/01-pass-rsa.eml "$TMP/md/new/1700000000.1.host"
cp messages/04-spoofed-from.eml "$TMP/md/cur/1700000001.2.host:2,S"
cp messages/03-tampered-body.eml "$TMP/md/tmp/1700000002.3.host"
if run maildir 0 verify --json --zone sample.zone "$TMP/md"; then
	jcheck maildir-messages '[.[].dmarc.result] | sort | join(",")' "fail,pass"
fi
# text mode: header line, A-R, SPF not evaluated, one summary line each
if run text 0 verify --zone sample.zone --authserv-id mx.test messages/01-pass-rsa.eml; then
	if grep -q '^==> messages/01-pass-rsa.eml$' "$TMP/out" &&
	    grep -q '^Authentication-Results: mx.test;$' "$TMP/out" &&
	    grep -q 'dmarc=pass (spf not evaluated: no client address)' "$TMP/out" &&
	    grep -q '^SPF:   not evaluated (no --ip)$' "$TMP/out" &&
	    grep -q '^DKIM:  pass d=bank.test s=rsa1' "$TMP/out" &&
	    grep -q '^DMARC: pass policy=reject' "$TMP/out"; then
		ok "text: header line, folded A-R, SPF/DKIM/DMARC lines"
	else
		bad "text: unexpected output:"; sed 's/^/       /' "$TMP/out"
	fi
	[ ! -s "$TMP/err" ] && ok "text-one-message: no summary" ||
	    bad "text-one-message: stderr: $(head -1 "$TMP/err")"
fi
if run text-spf 0 verify --zone sample.zone --ip 192.0.2.25 --mail-from alice@bank.test \
    --helo mail.bank.test messages/03-tampered-body.eml; then
	grep -q 'spf=pass reason=.*smtp.mailfrom=alice@bank.test' <(tr -d '\n\t' <"$TMP/out") &&
	    grep -q '^DMARC: pass' "$TMP/out" && grep -q '^HELO:  none' "$TMP/out" &&
	    ok "text-spf: spf=pass smtp.mailfrom, HELO line, DMARC pass through SPF" ||
	    { bad "text-spf:"; sed 's/^/       /' "$TMP/out"; }
fi
if run null-sender 0 verify --json --zone sample.zone --ip 192.0.2.25 --mail-from '' \
    --helo bank.test messages/01-pass-rsa.eml; then
	jcheck null-sender '.[0] | "\(.spf.sender) \(.spf.result) \(.authentication_results | test("smtp.helo=bank.test"))"' \
	    "postmaster@bank.test pass true"
fi

# ---- arguments ----------------------------------------------------------------
run no-path 2 verify --zone sample.zone && ok "no-path: exit 2"
run bad-ip 2 verify --zone sample.zone --ip 300.1.1.1 --mail-from a@b.test messages/01-pass-rsa.eml &&
    grep -q "^mauth: error: --ip" "$TMP/err" && ok "bad-ip: exit 2, one error line"
run ip-without-identity 2 verify --zone sample.zone --ip 192.0.2.1 messages/01-pass-rsa.eml &&
    ok "ip-without-identity: exit 2"
run zone-and-server 2 verify --zone sample.zone --dns-server 127.0.0.1 messages &&
    ok "zone-and-server: exit 2"
run bad-max-sigs 2 verify --zone sample.zone --max-signatures 0 messages && ok "bad-max-sigs: exit 2"
run bad-mode 2 verify --zone sample.zone --dmarc-mode rfc1 messages && ok "bad-mode: exit 2"
run unknown-option 2 verify --bogus messages && ok "unknown-option: exit 2"
run help 0 verify --help && grep -q '^usage: mauth verify' "$TMP/out" && ok "help: usage on stdout"

# an unreadable path among good ones: reported, the others still checked, exit 1
if run missing-path 1 verify --json --zone sample.zone messages/01-pass-rsa.eml \
    "$TMP/nonexistent.eml" messages/04-spoofed-from.eml; then
	jcheck missing-path '[.[] | if .error then "error" else .dmarc.result end] | join(",")' "pass,error,fail"
fi

# ---- hostile messages -------------------------------------------------------
H=$TMP/hostile
mkdir "$H"
printf '\r\nbody only, no header\r\n' >"$H/no-headers.eml"
$PY - "$H" <<'PY'
import os, random, sys
d = sys.argv[1]
random.seed(7)
open(os.path.join(d, "garbage.bin"), "wb").write(bytes(random.getrandbits(8) for _ in range(200000)))
open(os.path.join(d, "nul.eml"), "wb").write(
    b"From: a@bank.test\r\nSubject: x\x00y\r\nX-\x00: z\r\n\r\nbody\x00body\r\n")
open(os.path.join(d, "long-line.eml"), "wb").write(
    b"From: a@bank.test\r\nX-Long: " + b"a" * (1024 * 1024) + b"\r\n\r\nbody\r\n")
with open(os.path.join(d, "many-headers.eml"), "wb") as f:
    f.write(b"From: a@bank.test\r\n")
    for i in range(10000):
        f.write(b"X-H-%d: v\r\n" % i)
    f.write(b"\r\nbody\r\n")
# 1,000 copies of the real signature of 01 (valid keys, so each would cost work)
msg = open("messages/01-pass-rsa.eml", "rb").read()
head, body = msg.split(b"\r\n\r\n", 1)
lines = head.split(b"\r\n")
sig = []
rest = []
for l in lines:
    if l.startswith(b"DKIM-Signature:") or (sig and not rest and l[:1] in (b" ", b"\t")):
        sig.append(l)
    else:
        rest.append(l)
sig = b"\r\n".join(sig) + b"\r\n"
with open(os.path.join(d, "sigs-1000.eml"), "wb") as f:
    f.write(b"\r\n".join(rest) + b"\r\n")
    f.write(sig * 1000)
    f.write(b"\r\n" + body)
PY

# hostile NAME FILE JQ WANT [extra args]
hostile() {
	local name=$1 file=$2 expr=$3 want=$4
	shift 4
	local t0 el
	t0=$(now_ms)
	if run "$name" 0 verify --json --zone sample.zone "$@" "$file"; then
		el=$(( $(now_ms) - t0 ))
		if [ $el -gt 10000 ]; then
			bad "$name: took $el ms (bound 10000)"
			return
		fi
		jcheck "$name ($el ms)" "$expr" "$want"
	fi
}
hostile no-headers "$H/no-headers.eml" '.[0] | "\(.dmarc.result) \(.from_problem)"' "none no From header field"
hostile garbage "$H/garbage.bin" '.[0] | "\(.dmarc.result) \(.dkim | length)"' "none 0"
hostile nul-bytes "$H/nul.eml" '.[0] | "\(.from_domain) \(.dmarc.result)"' "bank.test fail"
hostile long-line "$H/long-line.eml" '.[0] | "\(.limits != null) \(.from_domain)"' "true bank.test"
hostile many-headers "$H/many-headers.eml" '.[0] | "\(.limits | test("1000")) \(.from_domain)"' "true bank.test"
# 7 other fields come first: the 1,000-field ceiling keeps 993 signatures
hostile sigs-1000 "$H/sigs-1000.eml" \
    '.[0] | "\(.dkim | length) \(.dkim | map(select(.checked)) | length) \(.dkim[0].result) \(.dns.queries <= 20) \(.dmarc.result) \(.limits | test("DKIM signatures"))"' \
    "993 5 pass true pass true"
hostile sigs-1000-max2 "$H/sigs-1000.eml" \
    '.[0] | "\(.dkim | map(select(.checked)) | length) \(.authentication_results | length < 65536)"' \
    "2 true" --max-signatures 2
# the same files through a directory and stdin: no crash, exit 0
run hostile-dir 0 verify --json --quiet --zone sample.zone "$H" &&
    jcheck hostile-dir 'length' 6
run garbage-stdin 0 verify --json --zone sample.zone - <"$H/garbage.bin" && ok "garbage-stdin: exit 0"

# ---- DNS timeouts ------------------------------------------------------------
BH_PORT=$(( 20000 + $$ % 20000 ))
"$BLACKHOLE" 127.0.0.1 $BH_PORT 60 >"$TMP/bh.out" 2>&1 &
BH_PID=$!
for _ in $(seq 1 100); do
	grep -q '^ready' "$TMP/bh.out" && break
	sleep 0.05
done
if grep -q '^ready' "$TMP/bh.out"; then
	t0=$(now_ms)
	if run dns-timeout 0 verify --json --dns-server 127.0.0.1:$BH_PORT --timeout 300 \
	    --retries 1 messages/01-pass-rsa.eml; then
		el=$(( $(now_ms) - t0 ))
		# one key lookup and a DMARC walk of at most a few names, 300 ms each
		if [ $el -gt 5000 ]; then
			bad "dns-timeout: $el ms, over the 5000 ms bound"
		else
			jcheck "dns-timeout ($el ms)" '.[0] | "\(.dkim[0].result) \(.dmarc.result)"' \
			    "temperror temperror"
		fi
	fi
	t0=$(now_ms)
	if run dns-timeout-spf 0 verify --json --dns-server 127.0.0.1:$BH_PORT --timeout 300 \
	    --retries 1 --ip 192.0.2.25 --mail-from alice@bank.test messages/06-unsigned-quarantine.eml; then
		el=$(( $(now_ms) - t0 ))
		if [ $el -gt 5000 ]; then
			bad "dns-timeout-spf: $el ms, over the 5000 ms bound"
		else
			jcheck "dns-timeout-spf ($el ms)" '.[0] | "\(.spf.result) \(.dmarc.result)"' \
			    "temperror temperror"
		fi
	fi
else
	bad "dns_blackhole did not start: $(cat "$TMP/bh.out")"
fi

e2e_done
