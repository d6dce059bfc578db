#!/bin/bash
# milter_soak.sh - bounded soak test of mauthd in a real Postfix (issue 5,
# "Load and speed"): at least 5,000 messages from 20 concurrent SMTP
# sessions, every one delivered and signed or verified as expected, and
# mauthd's memory flat.
#
#   milter_soak.sh MAUTH MAUTHD SOURCE_DIR [PER_CLASS]
#
# Set-up as milter_postfix.sh (milter_lib.sh: NSD serving
# testdata/e2e/milter.zone, mauthd signing bank.test with rsa1 + ed1, the
# default rules, a throw-away Postfix), all in a private namespace.  The
# client addresses are real: 127.0.0.2 (internal), 192.0.2.25 and
# 203.0.113.9 are put on lo and Postfix listens on each, so a client that
# connects to one of them comes from it.  Postfix's smtp-source sends five
# classes of message, four sessions each (20 at once), each recipient
# numbered (-N) so every delivered copy is known:
#   out       127.0.0.2, From bank.test          -> 2 signatures, no A-R
#   pass      192.0.2.25, 01-pass-rsa.eml        -> spf=pass dkim=pass dmarc=pass
#   spffail   203.0.113.9, 01-pass-rsa.eml       -> spf=fail dkim=pass dmarc=pass
#   dkimfail  192.0.2.25, 03-tampered-body.eml   -> spf=pass dkim=fail dmarc=pass
#   evil      203.0.113.9, From evil.test, no signature
#                                                -> spf=fail dkim=none dmarc=none
# First 100 of each (warm-up, 500), then PER_CLASS - 100 of each (default
# PER_CLASS 1000: 5,000 in all).  Checked on every delivered file: the
# count per class, each recipient number exactly once, the signatures or
# our one Authentication-Results with the class's results; every outgoing
# copy verified by mauth verify (both signatures pass); the queue empty.
# mauthd's VmRSS is printed at start, after the warm-up and at the end;
# the end may exceed the warm-up by at most max(8 MB, 20 %) (not asserted
# under AddressSanitizer, whose quarantine holds freed memory: there
# LeakSanitizer checks mauthd's exit on SIGTERM).  Messages per second are
# printed, never asserted.
set -u
export LC_ALL=C

E2E_NAME=milter_soak
mauth=$(realpath "$1")
mauthd=$(realpath "$2")
src=$(realpath "$3")
PER_CLASS=${4:-1000}
. "$src/tests/e2e/lib.sh"

if [ "${MAUTH_E2E_IN_NS:-}" != 1 ]; then
	for tool in postfix smtp-source; do
		command -v "$tool" >/dev/null ||
		    die "'$tool' not found (run scripts/install-deps)"
	done
fi
e2e_enter_ns "$0" "$mauth" "$mauthd" "$src" "$PER_CLASS"

PORT=5353		# NSD
MPORT=8893		# mauthd
SPORT=2525		# Postfix smtpd
AUTHSERV=mx.e2e.test
WARM=100		# warm-up messages per class
SESSIONS=4		# per class; 5 classes
CLASSES="out pass spffail dkimfail evil"
[ "$PER_CLASS" -gt $WARM ] 2>/dev/null || die "PER_CLASS must be > $WARM"

TMP=$(mktemp -d /tmp/mauth-e2e-soak.XXXXXX) || die "mktemp"
chmod 755 "$TMP"	# the postfix user must traverse it
. "$src/tests/e2e/milter_lib.sh"
trap milter_cleanup EXIT

for a in 127.0.0.2 192.0.2.25 203.0.113.9; do
	ip addr add "$a/32" dev lo || die "cannot add $a to lo"
done
e2e_nsd_start "$src/testdata/e2e/milter.zone" milter.zone
mauthd_conf "$TMP/mauthd.conf" $MPORT "$(mauthd_bank_lines "$src")"
mauthd_start "$TMP/mauthd.conf" $MPORT
PFX_LISTEN="127.0.0.1 127.0.0.2 192.0.2.25 203.0.113.9" \
    postfix_start "$TMP" $SPORT $MPORT
MAILDIR=$TMP/mail/sink/new

# ---- the five classes: client address, MAIL FROM, message file
msgs=$src/testdata/verify/messages
class_addr() {
	case $1 in
	out) echo 127.0.0.2 ;;
	pass|dkimfail) echo 192.0.2.25 ;;
	spffail|evil) echo 203.0.113.9 ;;
	esac
}
class_from() {
	case $1 in
	evil) echo x@evil.test ;;
	*) echo alice@bank.test ;;
	esac
}
printf '%s\n' "From: Alice <alice@bank.test>" "To: Bob <bob@sink.test>" \
    "Subject: soak outgoing" "Date: $(date -R)" \
    "Message-ID: <soak-out@bank.test>" "" "Outgoing soak message." \
    >"$TMP/F.out"
cp "$msgs/01-pass-rsa.eml" "$TMP/F.pass"
cp "$msgs/01-pass-rsa.eml" "$TMP/F.spffail"
cp "$msgs/03-tampered-body.eml" "$TMP/F.dkimfail"
printf '%s\n' "From: X <x@evil.test>" "To: Bob <bob@sink.test>" \
    "Subject: soak evil" "Date: $(date -R)" \
    "Message-ID: <soak-evil@evil.test>" "" "Unsigned soak message." \
    >"$TMP/F.evil"

# batch B N - N messages of each class, all classes at once (20 sessions);
# the recipient of message I of class C is "I" C "-" B "@sink.test"; waits for
# the clients, then (up to 120 s) for every message to be delivered
TOTAL=0
batch() {
	local b=$1 n=$2 c pids= p rc=0
	for c in $CLASSES; do
		smtp-source -4 -N -s $SESSIONS -m "$n" -M client.example \
		    -f "$(class_from $c)" -t "$c-$b@sink.test" -F "$TMP/F.$c" \
		    "$(class_addr $c):$SPORT" >>"$TMP/src.$c" 2>&1 &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p" || rc=1
	done
	TOTAL=$((TOTAL + 5 * n))
	[ $rc = 0 ] || bad "smtp-source failed (exit status not 0)"
	for _ in $(seq 1 2400); do
		[ "$(ndelivered)" -ge $TOTAL ] && return 0
		sleep 0.05
	done
	return 1
}

rss0=$(mauthd_rss)
t0=$(now_ms)
batch w $WARM || bad "warm-up: $(ndelivered) of $TOTAL delivered after 120 s"
rssw=$(mauthd_rss)
t1=$(now_ms)
batch m $((PER_CLASS - WARM)) ||
    bad "soak: $(ndelivered) of $TOTAL delivered after 120 s"
t2=$(now_ms)
rsse=$(mauthd_rss)
sleep 0.5
ndel=$(ndelivered)
ms=$((t2 - t1))
echo "     $TOTAL messages, 5 classes x $SESSIONS sessions; after the warm-up $((TOTAL - 5 * WARM)) in $ms ms, $(( (TOTAL - 5 * WARM) * 1000 / (ms > 0 ? ms : 1) )) messages/s (information only)"

# ---- every delivered file: class and number from X-Original-To, the
# signatures, our A-R fields; "bad" when it is not what its class wants
find "$MAILDIR" -type f -print0 | xargs -0 awk -v id="$AUTHSERV" '
    function has(t) { return (" " a ";") ~ ("[ ;]" t "[ ;]") }
    function flush() {
	if (file == "")
		return
	c = rcpt; sub(/@.*/, "", c); n = c; sub(/[^0-9].*$/, "", n)
	sub(/^[0-9]+/, "", c); b = c; sub(/-.*/, "", c); sub(/^[^-]*-?/, "", b)
	why = ""
	if (c == "out") {
		if (nd != 2) why = why " " nd " signatures"
		if (nar != 0) why = why " has our A-R"
	} else {
		if (nar != 1) why = why " " nar " A-R of ours"
		if (nd != (c == "evil" ? 0 : 1)) why = why " " nd " signatures"
		if (c == "pass") w = "spf=pass dkim=pass dmarc=pass"
		else if (c == "spffail") w = "spf=fail dkim=pass dmarc=pass"
		else if (c == "dkimfail") w = "spf=pass dkim=fail dmarc=pass"
		else if (c == "evil") w = "spf=fail dkim=none dmarc=none"
		else w = "unknown-class"
		k = split(w, ws, " ")
		for (i = 1; i <= k; i++)
			if (!has(ws[i])) why = why " no " ws[i]
	}
	printf "%s\t%s:%s\t%s\t%s\n", c, b, n, why == "" ? "ok" : "bad:" why,
	    file
    }
    FNR == 1 { flush(); file = FILENAME; hdr = 1; nd = 0; nar = 0; on = 0
	rcpt = ""; a = "" }
    !hdr { next }
    /^$/ { hdr = 0; next }
    /^[ \t]/ { if (on) { t = $0; sub(/^[ \t]+/, " ", t); a = a t }; next }
    { on = 0 }
    tolower($0) ~ /^x-original-to:/ { rcpt = $2 }
    tolower($0) ~ /^dkim-signature:/ { nd++ }
    tolower($0) ~ "^authentication-results: *" id ";" { nar++; on = 1; a = $0 }
    END { flush() }' >"$TMP/table"

nrows=$(wc -l <"$TMP/table")
queued=$(find "$TMP/spool/incoming" "$TMP/spool/active" \
    "$TMP/spool/deferred" "$TMP/spool/hold" "$TMP/spool/maildrop" -type f \
    2>/dev/null | wc -l)
if [ "$ndel" = "$TOTAL" ] && [ "$nrows" = "$TOTAL" ] && [ "$queued" = 0 ]; then
	ok "delivery: $TOTAL of $TOTAL delivered, queue empty"
else
	bad "delivery: $ndel delivered ($nrows read) of $TOTAL, $queued still queued"
fi
for c in $CLASSES; do
	got=$(awk -F '\t' -v c=$c '$1 == c' "$TMP/table" | wc -l)
	# numbers: 1..WARM in batch w, 1..PER_CLASS-WARM in batch m
	uniq=$(awk -F '\t' -v c=$c '$1 == c { print $2 }' "$TMP/table" |
	    sort -u | awk -F : -v w=$WARM -v m=$((PER_CLASS - WARM)) '
	    $2 >= 1 && $2 <= ($1 == "w" ? w : $1 == "m" ? m : 0)' | wc -l)
	nbad=$(awk -F '\t' -v c=$c '$1 == c && $3 != "ok"' "$TMP/table" | wc -l)
	if [ "$got" = "$PER_CLASS" ] && [ "$uniq" = "$PER_CLASS" ] &&
	    [ "$nbad" = 0 ]; then
		ok "$c: $got of $PER_CLASS, each number once, all as expected"
	else
		bad "$c: $got delivered ($uniq distinct numbers) of $PER_CLASS, $nbad not as expected"
		awk -F '\t' -v c=$c '$1 == c && $3 != "ok"' "$TMP/table" |
		    head -3 | show
	fi
done
nother=$(awk -F '\t' 'index(" '"$CLASSES"' ", " " $1 " ") == 0' \
    "$TMP/table" | wc -l)
[ "$nother" = 0 ] || bad "$nother delivered files of no known class"

# ---- every outgoing copy verifies (mauth verify, both signatures)
mkdir "$TMP/outbox"
awk -F '\t' '$1 == "out" { print $4 }' "$TMP/table" |
    xargs -r cp -t "$TMP/outbox"
nout=$(find "$TMP/outbox" -type f | wc -l)
tv=$(now_ms)
"$mauth" verify --json --quiet --zone "$src/testdata/verify/sample.zone" \
    "$TMP/outbox" >"$TMP/verify.json" 2>"$TMP/verify.err"
npass=$(jq -r '[.dkim[] | select(.result == "pass" and .domain == "bank.test")
    | .selector] | sort | join(",")' "$TMP/verify.json" | grep -c '^ed1,rsa1$')
if [ "$nout" -gt 0 ] && [ "$npass" = "$nout" ]; then
	ok "outgoing: mauth verify: rsa1 and ed1 pass on all $nout copies ($(( $(now_ms) - tv )) ms)"
else
	bad "outgoing: mauth verify: both signatures pass on $npass of $nout"
	show "$TMP/verify.err"
fi

# ---- memory: VmRSS at start, after the warm-up, at the end.  Under
# AddressSanitizer the figures mean little (freed memory waits in its
# quarantine, up to 256 MB by default): there they are printed only, and
# LeakSanitizer checks the heap when mauthd exits below.
asan=0
grep -q libasan "/proc/$MD_PID/maps" 2>/dev/null && asan=1
if [ -n "$rss0" ] && [ -n "$rssw" ] && [ -n "$rsse" ]; then
	slack=$((rssw / 5))
	[ $slack -lt 8192 ] && slack=8192
	echo "     mauthd VmRSS: start $rss0 kB, after $((5 * WARM)) messages $rssw kB, after $TOTAL $rsse kB (bound $((rssw + slack)) kB)"
	if [ $asan = 1 ]; then
		echo "     (AddressSanitizer build: RSS not asserted; LeakSanitizer at exit instead)"
	elif [ "$rsse" -le $((rssw + slack)) ]; then
		ok "memory: end $rsse kB <= warm-up $rssw kB + $slack kB"
	else
		bad "memory: end $rsse kB > warm-up $rssw kB + $slack kB"
	fi
else
	bad "memory: no VmRSS for mauthd (not running?)"
fi
nlog=$(grep -c ' action=' "$TMP/mauthd.log")
if [ "$nlog" = "$TOTAL" ]; then
	ok "mauthd: one log line per message ($nlog)"
else
	bad "mauthd: $nlog message log lines, want $TOTAL"
fi
# SIGTERM: libmilter's signal thread stops the daemon (its accept loop
# polls every 5 s); LeakSanitizer (Asan build) reports at that exit
kill -TERM "$MD_PID"
gone=0
for _ in $(seq 1 300); do
	kill -0 "$MD_PID" 2>/dev/null || { gone=1; break; }
	sleep 0.05
done
if [ $gone = 1 ]; then
	wait "$MD_PID"
	rc=$?
	MD_PID=
	if [ $rc = 0 ]; then
		ok "mauthd: exits 0 on SIGTERM after the soak"
	else
		bad "mauthd: exit status $rc on SIGTERM"
	fi
else
	bad "mauthd: still running 15 s after SIGTERM"
fi
if mauthd_sanitizer; then
	bad "mauthd: sanitizer report"
	grep -m5 -E 'Sanitizer|runtime error:' "$TMP/mauthd.log" | show
else
	ok "mauthd: no sanitizer report"
fi

e2e_done
