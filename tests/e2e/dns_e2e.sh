#!/bin/bash
# dns_e2e.sh - end-to-end test of "mauth spf" against a real DNS server.
#
# usage: dns_e2e.sh MAUTH DNS_BLACKHOLE SRCDIR
#
# Inside a private network, mount and PID namespace (unshare -n -m -p -f), so
# no query can leave the machine and no daemon can outlive the run:
#   1. NSD serves testdata/zones/example.zone on 127.0.0.1:5353;
#   2. every case of the table below is evaluated twice, through
#      --dns-server 127.0.0.1:5353 and through --zone example.zone; the two
#      JSON outputs must be identical and give the expected result, lookups
#      and void lookups;
#   3. replies over 512 and over 1232 bytes (TCP fallback) are checked, and
#      shown to be truncated over UDP by dig;
#   4. a server that never answers (dns_blackhole) must give temperror
#      within 3x the configured timeout x retries.
# Prints "N passed, N failed"; exits 1 on any failure.  It never skips: if
# the namespaces cannot be made (not root), it fails.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
export LC_ALL=C

if [ $# -ne 3 ]; then
	echo "usage: dns_e2e.sh MAUTH DNS_BLACKHOLE SRCDIR" >&2
	exit 2
fi
MAUTH=$(realpath "$1")
BLACKHOLE=$(realpath "$2")
SRC=$(realpath "$3")
ZONE=$SRC/testdata/zones/example.zone
PORT=5353
BH_PORT=5354
E2E_NAME=dns_e2e
. "$SRC/tests/e2e/lib.sh"

# ---- enter the namespaces (once) -------------------------------------------
e2e_enter_ns "$0" "$@"

TMP=$(mktemp -d /tmp/mauth-e2e.XXXXXX)
NSD_PID=
BH_PID=
cleanup() {
	for p in $NSD_PID $BH_PID; do
		kill -TERM "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

# ---- NSD -------------------------------------------------------------------
t0=$(now_ms)
e2e_nsd_start "$ZONE" example.zone '	ip-address: ::1@'"$PORT"'
	refuse-any: yes
	# the UDP ceiling that makes replies over 1232 bytes go to TCP
	ipv4-edns-size: 1232'
echo "nsd ready on 127.0.0.1:$PORT (pid $NSD_PID) after $(( $(now_ms) - t0 )) ms"

# ---- proof that the big answers do not fit in UDP ---------------------------
# dig +ignore shows the raw UDP reply: TC set means the client must use TCP.
flags_of() {
	dig +ignore +time=2 +tries=1 -p $PORT @127.0.0.1 "$@" |
	    sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p'
}
f=$(flags_of +noedns long.test TXT)
case " $f " in
*" tc "*) ok "long.test TXT reply is over 512 bytes (UDP without EDNS truncated: flags $f)" ;;
*) bad "long.test TXT reply should be truncated without EDNS, flags '$f'" ;;
esac
f=$(flags_of +bufsize=1232 huge.test TXT)
case " $f " in
*" tc "*) ok "huge.test TXT reply is over 1232 bytes (UDP with EDNS 1232 truncated: flags $f)" ;;
*) bad "huge.test TXT reply should be truncated at EDNS 1232, flags '$f'" ;;
esac
size=$(dig +tcp +time=2 +tries=1 -p $PORT @127.0.0.1 huge.test TXT |
    sed -n 's/^;; MSG SIZE  rcvd: \([0-9]*\)$/\1/p')
echo "     huge.test TXT over TCP: $size bytes"

# ---- the table: --dns-server and --zone must agree with each other and with
# the expected values.  "-" = option not given; "<>" = null reverse-path.
# name               ip                 mail-from           helo              result    lookups void
CASES=$(cat <<'TABLE'
ip4-pass             192.0.2.25         alice@example.test  mail.client.test  pass      0  0
ip6-pass             2001:db8:1::25     alice@example.test  -                 pass      0  0
mapped-ipv4-pass     ::ffff:192.0.2.25  alice@example.test  -                 pass      0  0
mx-pass              198.51.100.20      alice@example.test  -                 pass      1  0
include-pass         203.0.113.10       alice@example.test  -                 pass      2  0
include-chain-pass   203.0.113.200      alice@example.test  -                 pass      3  0
example-fail         198.51.100.99      alice@example.test  -                 fail      3  0
redirect-pass        192.0.2.25         bob@shop.test       -                 pass      1  0
redirect-fail        198.51.100.99      bob@shop.test       -                 fail      4  0
cname-pass           192.0.2.25         carol@alias.test    -                 pass      0  0
exp-fail             203.0.113.9        alice@strict.test   mail.client.test  fail      0  0
exp-pass             192.0.2.10         alice@strict.test   -                 pass      0  0
a-pass               192.0.2.200        dave@soft.test      -                 pass      1  0
softfail             192.0.2.201        dave@soft.test      -                 softfail  1  0
neutral              192.0.2.1          erin@neutral.test   -                 neutral   0  0
exists-pass          192.0.2.10         frank@exists.test   -                 pass      1  0
exists-fail          192.0.2.11         frank@exists.test   -                 fail      1  1
too-many-lookups     192.0.2.99         x@toomany.test      -                 permerror 10 0
include-loop         192.0.2.99         x@loop.test         -                 permerror 10 0
void-limit           192.0.2.99         x@void.test         -                 permerror 3  3
two-records          192.0.2.1          x@twospf.test       -                 permerror 0  0
syntax-error         192.0.2.1          x@syntax.test       -                 permerror 0  0
include-none         192.0.2.1          x@badinclude.test   -                 permerror 1  0
no-spf-record        192.0.2.1          x@nospf.test        -                 none      0  0
no-such-domain       192.0.2.1          x@missing.test      -                 none      0  0
helo-pass            198.51.100.10      -                   mx1.example.test  pass      1  0
helo-fail            192.0.2.99         -                   mx1.example.test  fail      1  0
null-sender-pass     198.51.100.10      <>                  mx1.example.test  pass      1  0
long-512-pass        192.0.2.77         x@long.test         -                 pass      0  0
long-512-fail        192.0.2.76         x@long.test         -                 fail      0  0
huge-1232-pass       192.0.2.78         x@huge.test         -                 pass      0  0
huge-1232-fail       192.0.2.77         x@huge.test         -                 fail      0  0
TABLE
)

# spf_args IP MAILFROM HELO -> the identity options, one per line
run_spf() {
	local out=$1 ip=$2 from=$3 helo=$4
	shift 4
	local args=(spf --ip "$ip")
	case $from in
	-) ;;
	"<>") args+=(--mail-from "") ;;
	*) args+=(--mail-from "$from") ;;
	esac
	[ "$helo" = - ] || args+=(--helo "$helo")
	"$MAUTH" "${args[@]}" "$@" >"$out" 2>"$out.err"
}

n=0
while read -r name ip from helo want wlk wvoid; do
	case $name in ''|'#'*) continue ;; esac
	n=$((n + 1))
	rz=0
	rd=0
	run_spf "$TMP/z.json" "$ip" "$from" "$helo" --json --zone "$ZONE" || rz=$?
	run_spf "$TMP/d.json" "$ip" "$from" "$helo" --json \
	    --dns-server 127.0.0.1:$PORT --timeout 2000 --retries 2 || rd=$?
	if [ $rz != 0 ] || [ $rd != 0 ]; then
		bad "$name: exit status zone=$rz dns=$rd, want 0: $(cat "$TMP/z.json.err" "$TMP/d.json.err" | head -2)"
		continue
	fi
	gz=$(jq -r '"\(.result) \(.lookups) \(.void_lookups)"' "$TMP/z.json") ||
	    { bad "$name: zone output is not JSON"; continue; }
	gd=$(jq -r '"\(.result) \(.lookups) \(.void_lookups)"' "$TMP/d.json") ||
	    { bad "$name: dns output is not JSON"; continue; }
	if [ "$gz" != "$gd" ]; then
		bad "$name: --zone gave '$gz', --dns-server gave '$gd'"
		continue
	fi
	if [ "$gz" != "$want $wlk $wvoid" ]; then
		bad "$name: got '$gz', want '$want $wlk $wvoid' (result lookups void)"
		continue
	fi
	# the whole evaluation (explanation, reason, tree) must be the same
	if ! diff <(jq -S . "$TMP/z.json") <(jq -S . "$TMP/d.json") \
	    >"$TMP/diff"; then
		bad "$name: --zone and --dns-server trees differ:"
		head -20 "$TMP/diff"
		continue
	fi
	ok "$name: $gz (lookups $wlk, void $wvoid; $(jq -r .dns_queries "$TMP/d.json") queries sent)"
done <<<"$CASES"
[ $n -ge 30 ] || bad "only $n cases read from the table"

# ---- the server given by an IPv6 address ----------------------------------
rc=0
run_spf "$TMP/v6.txt" 203.0.113.200 alice@example.test - \
    --dns-server "[::1]:$PORT" --timeout 2000 --retries 1 || rc=$?
if [ $rc = 0 ] && [ "$(sed -n 1p "$TMP/v6.txt")" = pass ]; then
	ok "ipv6-server: pass through --dns-server [::1]:$PORT"
else
	bad "ipv6-server: exit $rc: $(head -2 "$TMP/v6.txt" "$TMP/v6.txt.err" | tr '\n' '|')"
fi

# ---- the explanation of a fail, as text, through the real server -----------
run_spf "$TMP/exp.txt" 203.0.113.9 alice@strict.test mail.client.test \
    --dns-server 127.0.0.1:$PORT || true
want_exp="explanation: 203.0.113.9 is not allowed to send mail for strict.test (sender alice@strict.test, HELO mail.client.test); see https://strict.test/why-spf"
if [ "$(sed -n 1p "$TMP/exp.txt")" = fail ] &&
    [ "$(sed -n 2p "$TMP/exp.txt")" = "$want_exp" ]; then
	ok "exp-text: fail + macro-expanded explanation"
else
	bad "exp-text: got: $(head -3 "$TMP/exp.txt" | tr '\n' '|')"
fi

# ---- a server that never answers -------------------------------------------
"$BLACKHOLE" 127.0.0.1 $BH_PORT 120 >"$TMP/bh.out" 2>&1 &
BH_PID=$!
for _ in $(seq 1 100); do
	grep -q '^ready' "$TMP/bh.out" && break
	sleep 0.05
done
grep -q '^ready' "$TMP/bh.out" || die "dns_blackhole did not start: $(cat "$TMP/bh.out")"

# blackhole NAME TIMEOUT_MS RETRIES WANT [extra servers...]
blackhole() {
	local name=$1 tmo=$2 tries=$3 want=$4
	shift 4
	local servers=(--dns-server 127.0.0.1:$BH_PORT)
	local s
	for s in "$@"; do
		servers+=(--dns-server "$s")
	done
	local total=$((tmo * tries))
	local bound=$((3 * total))
	local t0 t1 rc=0 el got
	t0=$(now_ms)
	"$MAUTH" spf --ip 192.0.2.25 --mail-from alice@example.test \
	    "${servers[@]}" --timeout "$tmo" --retries "$tries" \
	    >"$TMP/bh.txt" 2>&1 || rc=$?
	t1=$(now_ms)
	el=$((t1 - t0))
	got=$(sed -n 1p "$TMP/bh.txt")
	if [ $rc != 0 ]; then
		bad "$name: exit $rc: $(head -2 "$TMP/bh.txt" | tr '\n' '|')"
	elif [ "$got" != "$want" ]; then
		bad "$name: got '$got', want '$want' after $el ms"
	elif [ $el -gt $bound ]; then
		bad "$name: $want after $el ms, over the bound of $bound ms (3 x ${tmo} ms x $tries)"
	elif [ "$want" = temperror ] && [ $el -lt $((total * 8 / 10)) ]; then
		bad "$name: $want after only $el ms: the ${total} ms timeout was not waited for"
	else
		ok "$name: $got after $el ms (timeout ${tmo} ms x $tries tries = $total ms; bound $bound ms)"
	fi
}
blackhole "blackhole-timeout-500x1" 500 1 temperror
blackhole "blackhole-timeout-300x2" 300 2 temperror
# first server silent, second one NSD: the answer still comes
blackhole "blackhole-then-nsd" 500 1 pass 127.0.0.1:$PORT

kill -TERM "$BH_PID" 2>/dev/null || true
wait "$BH_PID" 2>/dev/null || true
BH_PID=
bh_udp=$(sed -n 's/^udp \([0-9]*\) tcp.*/\1/p' "$TMP/bh.out")
if [ -n "$bh_udp" ] && [ "$bh_udp" -ge 3 ]; then
	ok "blackhole received the queries ($(tail -1 "$TMP/bh.out"))"
else
	bad "blackhole should have received at least 3 UDP queries: $(tail -1 "$TMP/bh.out")"
fi

e2e_done
