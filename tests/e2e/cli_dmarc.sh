#!/bin/bash
# cli_dmarc.sh - "mauth dmarc" end to end against testdata/dmarc/example.zone.
#
# usage: cli_dmarc.sh MAUTH SRCDIR
#
# Each case gives the exit status and an extended regular expression the
# output (stdout and stderr together) must match.  Also checked for every
# case: exit 2 comes with exactly one "mauth: error:" line on stderr and
# nothing on stdout; no crash or sanitizer report; no control byte on
# stdout.  --json output must parse (with jq, when installed) and carry the
# keys result, policy, policy_domain, org_domain, spf_aligned, dkim_aligned.
# Offline: --zone, and one temperror case against a closed loopback port.
# Prints "N passed, N failed"; exits 1 on any failure.
set -euo pipefail
export LC_ALL=C

if [ $# -ne 2 ]; then
	echo "usage: cli_dmarc.sh MAUTH SRCDIR" >&2
	exit 2
fi
MAUTH=$(realpath "$1")
SRC=$(realpath "$2")
ZONE=$SRC/testdata/dmarc/example.zone
TMP=$(mktemp -d /tmp/mauth-dmarc.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
E2E_NAME=cli_dmarc
. "$SRC/tests/e2e/lib.sh"

# check NAME WANT_STATUS PATTERN ARGS... - run "mauth dmarc ARGS..."
check() {
	local name=$1 want=$2 pat=$3
	shift 3
	local rc=0 why= matched=0
	"$MAUTH" dmarc "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	cat "$TMP/out" "$TMP/err" >"$TMP/all"
	if tr '\n' ' ' <"$TMP/all" | grep -q -E -- "$pat"; then
		matched=1
	fi
	why=$(e2e_judge $rc "$want" $matched "$pat")
	if [ -z "$why" ] && [[ " $* " == *" --json "* ]] && [ "$want" = 0 ] &&
	    command -v jq >/dev/null &&
	    ! jq -e 'has("result") and has("policy") and has("policy_domain")
	        and has("org_domain") and has("spf_aligned")
	        and has("dkim_aligned")' "$TMP/out" >/dev/null 2>&1; then
		why="--json output is not an object with the required keys"
	fi
	if [ -z "$why" ]; then
		PASS=$((PASS + 1))
		echo "ok   $name"
	else
		FAIL=$((FAIL + 1))
		echo "FAIL $name: $why"
		head -8 "$TMP/all" | cut -c1-200 | sed 's/^/       /'
	fi
}

Z=(--zone "$ZONE")

# ---- results ------------------------------------------------------------
check "own record, identical DKIM passes" 0 \
    '^pass policy: reject policy domain: example.com organizational domain: example.com alignment: spf not aligned, dkim aligned' \
    "${Z[@]}" --from example.com --dkim pass:example.com
check "subdomain inherits sp, relaxed SPF aligns" 0 \
    '^pass policy: quarantine .*alignment: spf aligned, dkim not aligned' \
    "${Z[@]}" --from www.example.com --spf pass:bounce.example.com
check "SPF softfail does not align" 0 '^fail policy: quarantine' \
    "${Z[@]}" --from www.example.com --spf softfail:www.example.com
check "non-existent subdomain gets np" 0 \
    '^fail policy: reject .*np applied: ghost.example.com does not exist' \
    "${Z[@]}" --from ghost.example.com
check "TXT-only name exists: sp" 0 '^fail policy: quarantine' \
    "${Z[@]}" --from spfonly.example.com
check "strict DKIM refuses the parent" 0 \
    '^fail policy: reject .*dkim not aligned' \
    "${Z[@]}" --from strict.example.com --dkim pass:example.com
check "DKIM fail result never aligns" 0 '^fail' \
    "${Z[@]}" --from example.com --dkim fail:example.com
check "one passing signature among several" 0 '^pass.*dkim aligned' \
    "${Z[@]}" --from example.com --dkim fail:example.com \
    --dkim pass:other.example --dkim pass:Example.COM
check "t=y lowers reject" 0 '^fail policy: quarantine .*testing: t=y' \
    "${Z[@]}" --from example.org
check "no record anywhere" 0 '^none policy: - ' \
    "${Z[@]}" --from nodmarc.example.net --dkim pass:nodmarc.example.net
check "record only at the author: own org domain" 0 \
    '^fail policy: quarantine policy domain: mail.example.net organizational domain: mail.example.net' \
    "${Z[@]}" --from mail.example.net --dkim pass:example.net
check "rfc7489: PSL org domain aligns the parent" 0 \
    '^pass policy: quarantine policy domain: mail.example.net organizational domain: example.net' \
    "${Z[@]}" --dmarc-mode rfc7489 --from mail.example.net \
    --dkim pass:example.net
check "rfc7489 with an explicit list" 0 '^pass' \
    "${Z[@]}" --dmarc-mode rfc7489 \
    --psl /usr/share/publicsuffix/public_suffix_list.dat \
    --from mail.example.net --dkim pass:example.net
check "psd=y: org one label below, PSD np" 0 \
    '^pass policy: reject policy domain: bank.example organizational domain: shop.bank.example' \
    "${Z[@]}" --from www.shop.bank.example --dkim pass:shop.bank.example
check "control byte in a record: discarded, escaped" 0 \
    'DMARC record discarded: control byte 0x07' \
    "${Z[@]}" --from bad.example.org
check "two records at one name: discarded" 0 \
    '2 DMARC records \(all discarded\)' \
    "${Z[@]}" --from two.example.org
check "json fail" 0 \
    '^\{"result":"fail","policy":"reject","policy_domain":"example.com","org_domain":"example.com",.*"spf_aligned":false,"dkim_aligned":false' \
    "${Z[@]}" --from ghost.example.com --json
check "json none has null policy" 0 \
    '"result":"none","policy":null,"policy_domain":null' \
    "${Z[@]}" --from nodmarc.example.net --json
check "json rfc7489 mode named" 0 '"mode":"rfc7489"' \
    "${Z[@]}" --from example.com --dmarc-mode rfc7489 --json
check "DNS failure is temperror" 0 '^temperror policy: - ' \
    --dns-server 127.0.0.1:9 --timeout 200 --retries 1 --from example.com

# ---- bad arguments --------------------------------------------------------
check "missing --from" 2 '--from is required' "${Z[@]}"
check "bad --from" 2 "--from: 'bad domain.com' is not a domain name" \
    "${Z[@]}" --from "bad domain.com"
check "U-label --from" 2 'is not a domain name' \
    "${Z[@]}" --from "$(printf 'b\xc3\xbccher.example')"
check "bad SPF result word" 2 "--spf: 'bogus' is not a result word" \
    "${Z[@]}" --from example.com --spf bogus:example.com
check "DKIM without domain" 2 "--dkim: 'pass' is not RESULT:DOMAIN" \
    "${Z[@]}" --from example.com --dkim pass
check "DKIM bad domain" 2 "is not a domain name" \
    "${Z[@]}" --from example.com --dkim pass:a..b
check "SPF given twice" 2 '--spf given twice' \
    "${Z[@]}" --from example.com --spf pass:a.example --spf pass:b.example
check "bad mode" 2 "--dmarc-mode: 'dmarc' is not rfc9989 or rfc7489" \
    "${Z[@]}" --from example.com --dmarc-mode dmarc
check "--psl without rfc7489" 2 '--psl is used only with' \
    "${Z[@]}" --from example.com --psl /dev/null
check "unreadable PSL" 2 'cannot open the public suffix list' \
    "${Z[@]}" --from example.com --dmarc-mode rfc7489 --psl "$TMP/none.dat"
check "zone and server" 2 'cannot be used together' \
    "${Z[@]}" --dns-server 127.0.0.1 --from example.com
check "missing zone file" 2 'none.zone' --zone "$TMP/none.zone" \
    --from example.com
check "stray argument" 2 "unexpected argument 'extra'" \
    "${Z[@]}" --from example.com extra
check "help" 0 '^usage: mauth dmarc' --help

e2e_done
