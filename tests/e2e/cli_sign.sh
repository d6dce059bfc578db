#!/bin/bash
# cli_sign.sh - "mauth sign" and "mauth keygen" on bad input, and line-ending
# preservation.
#
# usage: cli_sign.sh MAUTH SRCDIR
#
# Every bad case must give exit status 2, exactly one line
# "mauth: error: ..." on stderr and nothing at all on stdout: unreadable,
# malformed, encrypted, EC, too small (512), too large (8192) and
# public-only keys; a domain that is not a DNS name; a 64-octet selector
# label; a message without From; empty input; bad arguments; keygen over an
# existing file and keygen --bits 512.  Then: the signed output keeps the
# input's line ending (CRLF or LF) in the added fields, and the message
# bytes follow unchanged; keygen writes the key with mode 0600.
# Prints "N passed, N failed"; exits 1 on any failure.
set -euo pipefail
export LC_ALL=C

if [ $# -ne 2 ]; then
	echo "usage: cli_sign.sh MAUTH SRCDIR" >&2
	exit 2
fi
MAUTH=$(realpath "$1")
SRC=$(realpath "$2")
TMP=$(mktemp -d /tmp/mauth-clisign.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

PASS=0
FAIL=0
ok() {
	PASS=$((PASS + 1))
	echo "ok   $*"
}
bad() {
	FAIL=$((FAIL + 1))
	echo "FAIL $*"
}

# expect_err NAME WANT_STATUS ARGS... - status, one error line, no stdout
expect_err() {
	local name=$1 want=$2
	shift 2
	local rc=0
	"$MAUTH" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
	local lines
	lines=$(wc -l <"$TMP/err")
	if [ "$rc" -ne "$want" ]; then
		bad "$name: exit $rc, want $want ($(head -c 300 "$TMP/err"))"
	elif [ -s "$TMP/out" ]; then
		bad "$name: $(wc -c <"$TMP/out") bytes on stdout, want none"
	elif [ "$lines" -ne 1 ] || ! grep -q '^mauth: error: ' "$TMP/err"; then
		bad "$name: stderr not one error line: $(head -c 300 "$TMP/err")"
	else
		ok "$name: $(cat "$TMP/err")"
	fi
}

# ---- keys and messages ---------------------------------------------------
K=$TMP/keys
mkdir -p "$K"
"$MAUTH" keygen --domain sign.test --selector good --out "$K" >/dev/null
"$MAUTH" keygen --domain sign.test --selector ed --type ed25519 --out "$K" \
    >/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 \
    -pass pass:x -out "$K/encrypted.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$K/ec.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 \
    -out "$K/rsa512.pem" 2>/dev/null
openssl pkey -in "$K/good.private" -pubout -out "$K/public.pem" 2>/dev/null
printf -- '-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n' \
    >"$K/malformed.pem"
head -c 300 "$K/good.private" >"$K/truncated.pem"
R8192=$SRC/tests/e2e/cli_sign_rsa8192.pem

CRLF=$TMP/crlf.eml
printf 'From: a@sign.test\r\nTo: b@sink.test\r\nSubject: hi\r\n\r\nbody\r\n' >"$CRLF"
LF=$TMP/lf.eml
printf 'From: a@sign.test\nTo: b@sink.test\nSubject: hi\n\nbody\n' >"$LF"
NOFROM=$TMP/nofrom.eml
printf 'To: b@sink.test\r\nSubject: hi\r\n\r\nbody\r\n' >"$NOFROM"
: >"$TMP/empty.eml"

S=(sign --domain sign.test --selector good)
L64=$(printf 'a%.0s' $(seq 1 64))

# ---- bad keys ------------------------------------------------------------
expect_err "key: missing file" 2 "${S[@]}" --key "$K/nonexistent.pem" "$CRLF"
expect_err "key: a directory" 2 "${S[@]}" --key "$K" "$CRLF"
expect_err "key: malformed PEM" 2 "${S[@]}" --key "$K/malformed.pem" "$CRLF"
expect_err "key: truncated PEM" 2 "${S[@]}" --key "$K/truncated.pem" "$CRLF"
expect_err "key: not a key at all" 2 "${S[@]}" --key "$CRLF" "$CRLF"
expect_err "key: encrypted" 2 "${S[@]}" --key "$K/encrypted.pem" "$CRLF"
expect_err "key: EC P-256" 2 "${S[@]}" --key "$K/ec.pem" "$CRLF"
expect_err "key: RSA 512" 2 "${S[@]}" --key "$K/rsa512.pem" "$CRLF"
expect_err "key: RSA 8192" 2 "${S[@]}" --key "$R8192" "$CRLF"
expect_err "key: public only" 2 "${S[@]}" --key "$K/public.pem" "$CRLF"
expect_err "key: RSA key, ed25519 algorithm" 2 "${S[@]}" \
    --key "$K/good.private" --algorithm ed25519-sha256 "$CRLF"
expect_err "key: bad --also key" 2 "${S[@]}" --key "$K/good.private" \
    --also "sign.test:ed:$K/ec.pem" "$CRLF"

# ---- bad names, messages, arguments ---------------------------------------
G=(--key "$K/good.private")
expect_err "domain: 'bad domain'" 2 sign --domain "bad domain" \
    --selector good "${G[@]}" "$CRLF"
expect_err "domain: empty label" 2 sign --domain "sign..test" \
    --selector good "${G[@]}" "$CRLF"
expect_err "selector: 64-octet label" 2 sign --domain sign.test \
    --selector "$L64" "${G[@]}" "$CRLF"
expect_err "message: no From" 2 "${S[@]}" "${G[@]}" "$NOFROM"
expect_err "message: empty input" 2 "${S[@]}" "${G[@]}" "$TMP/empty.eml"
expect_err "message: missing file" 1 "${S[@]}" "${G[@]}" "$TMP/none.eml"
expect_err "args: no --key" 2 sign --domain sign.test --selector good "$CRLF"
expect_err "args: bad --canon" 2 "${S[@]}" "${G[@]}" --canon strict "$CRLF"
expect_err "args: bad --algorithm" 2 "${S[@]}" "${G[@]}" \
    --algorithm rsa-sha1 "$CRLF"
expect_err "args: bad --headers" 2 "${S[@]}" "${G[@]}" \
    --headers "From,Sub ject" "$CRLF"
expect_err "args: bad --also" 2 "${S[@]}" "${G[@]}" --also "sign.test" "$CRLF"
expect_err "args: bad --expire" 2 "${S[@]}" "${G[@]}" --expire -5 "$CRLF"
expect_err "args: two messages" 2 "${S[@]}" "${G[@]}" "$CRLF" "$LF"
expect_err "args: unknown option" 2 "${S[@]}" "${G[@]}" --frobnicate "$CRLF"

# ---- keygen ----------------------------------------------------------------
expect_err "keygen: existing key file" 2 keygen --domain sign.test \
    --selector good --out "$K"
expect_err "keygen: --bits 512" 2 keygen --domain sign.test \
    --selector k512 --bits 512 --out "$K"
expect_err "keygen: --bits 8192" 2 keygen --domain sign.test \
    --selector k8192 --bits 8192 --out "$K"
expect_err "keygen: --type dsa" 2 keygen --domain sign.test \
    --selector kdsa --type dsa --out "$K"
expect_err "keygen: bad domain" 2 keygen --domain "bad domain" \
    --selector x --out "$K"
expect_err "keygen: 64-octet selector" 2 keygen --domain sign.test \
    --selector "$L64" --out "$K"
expect_err "keygen: missing directory" 2 keygen --domain sign.test \
    --selector x --out "$TMP/no/such/dir"
if [ ! -e "$K/k512.private" ] && [ ! -e "$K/x.private" ]; then
	ok "keygen: refused runs leave no file"
else
	bad "keygen: a refused run left a file"
fi
mode=$(stat -c %a "$K/good.private")
if [ "$mode" = 600 ]; then ok "keygen: key mode 0600"
else bad "keygen: key mode $mode, want 600"; fi
if head -1 "$K/good.private" | grep -q '^-----BEGIN PRIVATE KEY-----$'; then
	ok "keygen: PEM PKCS#8"
else
	bad "keygen: not PEM PKCS#8: $(head -1 "$K/good.private")"
fi
# character-strings of at most 255 octets
if grep -o '"[^"]*"' "$K/good.txt" | awk 'length($0) > 257 { e = 1 } END { exit e }' &&
    [ "$(grep -o '"[^"]*"' "$K/good.txt" | wc -l)" -ge 2 ]; then
	ok "keygen: RSA 2048 record split into strings of <= 255 octets"
else
	bad "keygen: record strings: $(cat "$K/good.txt")"
fi

# ---- line endings and unchanged bytes ---------------------------------------
# check_eol NAME INPUT ARGS... - the fields end like the input's first line,
# the message bytes follow unchanged
check_eol() {
	local name=$1 in=$2
	shift 2
	local rc=0
	"$MAUTH" "${S[@]}" "$@" "$in" >"$TMP/signed" 2>"$TMP/err" || rc=$?
	if [ $rc -ne 0 ]; then
		bad "$name: exit $rc: $(cat "$TMP/err")"
		return
	fi
	local insize outsize
	insize=$(wc -c <"$in")
	outsize=$(wc -c <"$TMP/signed")
	if ! tail -c "$insize" "$TMP/signed" | cmp -s - "$in"; then
		bad "$name: the message bytes changed"
		return
	fi
	head -c $((outsize - insize)) "$TMP/signed" >"$TMP/fields"
	local nsig
	nsig=$(grep -c '^DKIM-Signature: ' "$TMP/fields" || true)
	if head -1 "$in" | grep -q $'\r$'; then
		if grep -qv $'\r$' "$TMP/fields"; then
			bad "$name: a field line without CRLF"
			return
		fi
	elif grep -q $'\r' "$TMP/fields"; then
		bad "$name: CR in the fields of an LF message"
		return
	fi
	if [ "$nsig" -lt 1 ]; then
		bad "$name: no DKIM-Signature field"
		return
	fi
	ok "$name ($nsig signature(s))"
}
check_eol "eol: CRLF input" "$CRLF" "${G[@]}"
check_eol "eol: LF input" "$LF" "${G[@]}"
check_eol "eol: LF input, dual" "$LF" "${G[@]}" --also "sign.test:ed:$K/ed.private"
if "$MAUTH" "${S[@]}" "${G[@]}" - <"$CRLF" >"$TMP/a" 2>/dev/null &&
    "$MAUTH" "${S[@]}" "${G[@]}" "$CRLF" >"$TMP/b" 2>/dev/null &&
    [ "$(wc -c <"$TMP/a")" = "$(wc -c <"$TMP/b")" ]; then
	ok "stdin and file give the same size"
else
	bad "stdin and file differ"
fi

# ---- options: the tags appear and the signature verifies --------------------
ZONE=$TMP/keys.zone
{
	printf '$ORIGIN test.\n$TTL 300\n'
	printf '@\tSOA\tns.test. hostmaster.test. 1 3600 600 86400 300\n'
	printf '@\tNS\tns.test.\nns\tA\t127.0.0.1\n'
	cat "$K/good.txt" "$K/ed.txt"
} >"$ZONE"
# check_opts NAME PATTERN ARGS... - signed with ARGS, the fields match the
# extended regular expression PATTERN, every signature passes mauth verify
check_opts() {
	local name=$1 pat=$2
	shift 2
	if ! "$MAUTH" "${S[@]}" "$@" "$CRLF" >"$TMP/o.eml" 2>"$TMP/err"; then
		bad "$name: $(cat "$TMP/err")"
		return
	fi
	if ! tr -d '\r\n' <"$TMP/o.eml" | grep -Eq -- "$pat"; then
		bad "$name: no match for $pat"
		return
	fi
	local res
	res=$("$MAUTH" verify --zone "$ZONE" --json --quiet "$TMP/o.eml" |
	    jq -r '[.dkim[].result] | join(",")')
	case $res in
	pass|pass,pass) ok "$name: $res" ;;
	*) bad "$name: verify gave '$res'" ;;
	esac
}
check_opts "opts: headers, no oversign, i=, x=, l=, simple" \
    'i=alice@sign\.test;.*h=From:To:Subject;' "${G[@]}" \
    --headers From:To:Subject --oversign "" --identity alice@sign.test \
    --expire 3600 --body-length --canon simple
check_opts "opts: x= set" 'x=[0-9]+;' "${G[@]}" --expire 60
check_opts "opts: l= set" 'l=6;' "${G[@]}" --body-length
check_opts "opts: relaxed/simple" 'c=relaxed/simple;' "${G[@]}" \
    --canon relaxed/simple
check_opts "opts: oversign From" 'h=From:From' "${G[@]}" --oversign From
check_opts "opts: ed25519 key" 'a=ed25519-sha256;' --key "$K/ed.private" \
    --selector ed
check_opts "opts: --also ed25519" 'a=rsa-sha256;.*a=ed25519-sha256;' \
    "${G[@]}" --also "sign.test:ed:$K/ed.private"
expect_err "opts: i= outside d=" 2 "${S[@]}" "${G[@]}" \
    --identity alice@other.test "$CRLF"
expect_err "opts: DKIM-Signature oversigned (would never verify)" 2 \
    "${S[@]}" "${G[@]}" --headers From:DKIM-Signature \
    --oversign DKIM-Signature "$CRLF"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
