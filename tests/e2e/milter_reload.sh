#!/bin/bash
# milter_reload.sh - mauthd reloads (SIGUSR1) while mail flows through a
# real Postfix (issue 5, end-to-end case 6).
#
#   milter_reload.sh MAUTH MAUTHD SOURCE_DIR
#
# Same set-up as milter_postfix.sh (milter_lib.sh: NSD, mauthd, a throw-away
# Postfix, all in a private namespace).  mauthd signs bank.test with a key
# file in the temp dir and applies a rules file in the temp dir; each rules
# generation N adds "X-Rules-Gen: N" to internal (outgoing) and DMARC-pass
# (incoming) mail.  Six swaks loops (four outgoing from 127.0.0.2, two
# incoming from 192.0.2.25) send without pause, each message numbered in
# X-Seq and timed, while the test
#   A  runs with selector rsa1 (testdata/verify/keys/rsa2048.pem), rules 1;
#   B  rewrites the configuration to selector "new" (a key made by
#      mauth keygen), rewrites the rules to generation 2, SIGUSR1;
#   C  breaks the rules file, SIGUSR1: the reload must fail, be logged with
#      FILE:LINE, and generation B must keep running;
#   D  repairs the rules and overwrites the key file of "new" in place with
#      a third key (same path, same configuration), SIGUSR1.
# Then every message sent is checked: delivered exactly once; outgoing mail
# has one signature that verifies (mauth verify, zone with the keys of A and
# B, or with the rotated key of D for selector "new"); a message finished
# before a SIGUSR1 carries the old key and rules, one started after the
# "reloaded" log line the new ones; per sender the generation never goes
# back.  A 4xx answer would be resent and counted (and is a failure).
set -u
export LC_ALL=C

E2E_NAME=milter_reload
mauth=$(realpath "$1")
mauthd=$(realpath "$2")
src=$(realpath "$3")
. "$src/tests/e2e/lib.sh"

if [ "${MAUTH_E2E_IN_NS:-}" != 1 ]; then
	for tool in postfix swaks; do
		command -v "$tool" >/dev/null ||
		    die "'$tool' not found (run scripts/install-deps)"
	done
fi
e2e_enter_ns "$0" "$mauth" "$mauthd" "$src"

PORT=5353		# NSD
MPORT=8893		# mauthd
SPORT=2525		# Postfix smtpd
AUTHSERV=mx.e2e.test
PHASE_MSGS=${MAUTH_RELOAD_PHASE_MSGS:-20}	# deliveries per phase

TMP=$(mktemp -d /tmp/mauth-e2e-reload.XXXXXX) || die "mktemp"
chmod 755 "$TMP"	# the postfix user must traverse it
. "$src/tests/e2e/milter_lib.sh"
stop_senders() {
	touch "$TMP/stop"
	# (a bare "wait" would wait for the daemons too)
	[ -n "$SENDERS" ] && wait $SENDERS 2>/dev/null
	SENDERS=
}
SENDERS=
trap 'stop_senders; milter_cleanup' EXIT

# ---- keys: A = rsa1 of the test zone, B and D made here
cp "$src/testdata/verify/keys/rsa2048.pem" "$TMP/sign-rsa1.pem"
for k in b d; do
	mkdir "$TMP/kg-$k"
	"$mauth" keygen --domain bank.test --selector new --out "$TMP/kg-$k" \
	    >/dev/null || die "mauth keygen"
done
cp "$TMP/kg-b/new.private" "$TMP/sign-new.pem"
# zone Z: milter.zone + new = key B (NSD serves it); zone Z3: new = key D
{ cat "$src/testdata/e2e/milter.zone"; cat "$TMP/kg-b/new.txt"; } >"$TMP/z.zone"
{ cat "$src/testdata/e2e/milter.zone"; cat "$TMP/kg-d/new.txt"; } >"$TMP/z3.zone"
e2e_nsd_start "$TMP/z.zone" milter.zone

# ---- rules generation N; config with selector SEL and key file KEY
rules_gen() {
	sed "s/^accept if internal.*/add-header X-Rules-Gen \"$1\" if internal/
	    s/^accept if dmarc=pass.*/add-header X-Rules-Gen \"$1\" if dmarc=pass/" \
	    "$src/rules/default.rules" >"$TMP/rules.tmp"
	[ "$(grep -c X-Rules-Gen "$TMP/rules.tmp")" = 2 ] ||
	    die "rules/default.rules changed: no 'accept if internal/dmarc=pass'"
	mv "$TMP/rules.tmp" "$TMP/rules"
}
conf_gen() {
	mauthd_conf "$TMP/mauthd.conf.tmp" $MPORT "mode = \"sign+verify\"
internal_networks = { \"127.0.0.2/32\" }
sign {
	domain = \"bank.test\"
	selector = \"$1\"
	key = \"$2\"
}
rules_file = \"$TMP/rules\""
	mv "$TMP/mauthd.conf.tmp" "$TMP/mauthd.conf"
}
rules_gen 1
conf_gen rsa1 "$TMP/sign-rsa1.pem"
mauthd_start "$TMP/mauthd.conf" $MPORT
postfix_start "$TMP" $SPORT $MPORT

# ---- senders: sender ID KIND - until $TMP/stop exists; one line per
# attempt in $TMP/sent.ID: "ID-I T0 T1 ok|tempfail|fail TRY"
sender() {
	local id=$1 kind=$2 i=0 try rc t0 t1 addr from msg=$TMP/msg.$1
	while [ ! -e "$TMP/stop" ]; do
		i=$((i + 1))
		if [ "$kind" = out ]; then
			addr=127.0.0.2 from=alice@bank.test
			printf '%s\n' "From: Alice <alice@bank.test>" \
			    "To: Bob <bob@sink.test>" \
			    "Subject: reload $id-$i" \
			    "Date: $(date -R)" \
			    "Message-ID: <$id-$i.reload@bank.test>" \
			    "X-Seq: $id-$i" "" "Message $id-$i." >"$msg"
		else
			addr=192.0.2.25 from=alice@bank.test
			{ echo "X-Seq: $id-$i"
			  cat "$src/testdata/verify/messages/01-pass-rsa.eml"
			} >"$msg"
		fi
		try=0
		while :; do
			try=$((try + 1))
			t0=$(now_ms)
			swaks --server 127.0.0.1 --port $SPORT --timeout 30 \
			    --ehlo client.example --xclient-addr $addr \
			    --from $from --to bob@sink.test --data "@$msg" \
			    </dev/null >"$TMP/sw.$id" 2>&1
			rc=$?
			t1=$(now_ms)
			if [ $rc = 0 ]; then
				echo "$id-$i $t0 $t1 ok $try" >>"$TMP/sent.$id"
				break
			fi
			cp "$TMP/sw.$id" "$TMP/sw.$id-$i.$try"
			if grep -q '^<\*\* *4[0-9][0-9] ' "$TMP/sw.$id" &&
			    [ $try -lt 5 ]; then
				echo "$id-$i $t0 $t1 tempfail $try" >>"$TMP/sent.$id"
				continue
			fi
			echo "$id-$i $t0 $t1 fail $try" >>"$TMP/sent.$id"
			break
		done
	done
}

# wait_delivered N - until N messages are in the Maildir (60 s), else die
wait_delivered() {
	for _ in $(seq 1 1200); do
		[ "$(ndelivered)" -ge "$1" ] && return 0
		sleep 0.05
	done
	stop_senders
	die "only $(ndelivered) of $1 messages delivered in 60 s"
}

# reload WANT_RELOADED WANT_FAILED - SIGUSR1, then wait for the log lines;
# prints "T_SIGNAL T_LOGGED"
reload() {
	local t0 t1
	t0=$(now_ms)
	kill -USR1 "$MD_PID"
	for _ in $(seq 1 200); do
		[ "$(grep -c ': reloaded ' "$TMP/mauthd.log")" -ge "$1" ] &&
		    [ "$(grep -c ': reload of .* failed' "$TMP/mauthd.log")" -ge "$2" ] &&
		    break
		sleep 0.05
	done
	t1=$(now_ms)
	echo "$t0 $t1"
}

for s in o1:out o2:out o3:out o4:out i1:in i2:in; do
	sender "${s%:*}" "${s#*:}" &
	SENDERS="$SENDERS $!"
done

# A
wait_delivered $PHASE_MSGS
# B: new selector and key file, new rules
conf_gen new "$TMP/sign-new.pem"
rules_gen 2
read -r TB TBD <<<"$(reload 1 0)"
wait_delivered $(($(ndelivered) + PHASE_MSGS))
# C: broken rules
echo 'frobnicate if spf=pass' >>"$TMP/rules"
BROKEN_LINE=$(wc -l <"$TMP/rules")
read -r TC TCD <<<"$(reload 1 1)"
wait_delivered $(($(ndelivered) + PHASE_MSGS))
# D: rules repaired (generation 2 again), key B overwritten by key D in place
rules_gen 2
cp "$TMP/kg-d/new.private" "$TMP/sign-new.pem"
read -r TD TDD <<<"$(reload 2 1)"
wait_delivered $(($(ndelivered) + PHASE_MSGS))
stop_senders
echo "     SIGUSR1 to log line: B $((TBD - TB)) ms, C (failing) $((TCD - TC)) ms, D $((TDD - TD)) ms"

# ---- what was sent
cat "$TMP"/sent.* >"$TMP/sent"
nok=$(awk '$4 == "ok"' "$TMP/sent" | wc -l)
ntemp=$(awk '$4 == "tempfail"' "$TMP/sent" | wc -l)
nfail=$(awk '$4 == "fail"' "$TMP/sent" | wc -l)
echo "     sent: $nok accepted ($(grep -c '^o' "$TMP/sent") outgoing attempts), $ntemp tempfail answers (resent), $nfail refused"
if [ "$nfail" = 0 ]; then
	ok "senders: no message refused"
else
	bad "senders: $nfail messages refused"
	for f in "$TMP"/sw.*-*.*; do show "$f"; break; done
fi
if [ "$ntemp" = 0 ]; then
	ok "senders: no temporary failure during the reloads"
else
	bad "senders: $ntemp temporary failures (resent, counted)"
	awk '$4 == "tempfail"' "$TMP/sent" | head -5 | show
fi

# every accepted message delivered exactly once, nothing left in the queue
for _ in $(seq 1 600); do
	[ "$(ndelivered)" -ge "$nok" ] && break
	sleep 0.05
done
sleep 0.3
ndel=$(ndelivered)
grep -h -m1 '^X-Seq:' "$MAILDIR"/* | awk '{ print $2 }' | sort >"$TMP/got"
awk '$4 == "ok" { print $1 }' "$TMP/sent" | sort >"$TMP/want"
missing=$(comm -23 "$TMP/want" "$TMP/got" | wc -l)
dups=$(uniq -d "$TMP/got" | wc -l)
extra=$(comm -13 "$TMP/want" "$TMP/got" | sort -u | wc -l)
queued=$(find "$TMP/spool/incoming" "$TMP/spool/active" \
    "$TMP/spool/deferred" "$TMP/spool/hold" -type f 2>/dev/null | wc -l)
if [ "$ndel" = "$nok" ] && [ "$missing" = 0 ] && [ "$dups" = 0 ] &&
    [ "$extra" = 0 ] && [ "$queued" = 0 ]; then
	ok "delivery: all $nok accepted messages delivered exactly once, queue empty"
else
	bad "delivery: $ndel delivered of $nok, missing $missing, duplicated $dups, unknown $extra, queued $queued"
fi

# ---- per message: seq, class, X-Rules-Gen, DKIM fields, our A-R
for f in "$MAILDIR"/*; do
	awk -v id="$AUTHSERV" -v path="$f" '
	    /^$/ { exit }
	    tolower($0) ~ /^x-seq:/ { seq = $2 }
	    tolower($0) ~ /^x-rules-gen:/ { gen = $2 }
	    tolower($0) ~ /^dkim-signature:/ { nd++ }
	    tolower($0) ~ "^authentication-results: *" id ";" { ar = 1; on = 1; a = $0; next }
	    /^[ \t]/ { if (on) a = a $0; next }
	    { on = 0 }
	    END {
		pass = (a ~ /dkim=pass/ && a ~ /dmarc=pass/) ? "pass" : "-"
		printf "%s\t%s\t%s\t%d\t%d\t%s\n", path, seq, gen, nd, ar, pass
	    }' "$f"
done | sort >"$TMP/hdrs"
# selector and result of the first signature with zone Z and with zone Z3
for z in z z3; do
	"$mauth" verify --json --quiet --zone "$TMP/$z.zone" "$TMP/mail/sink" |
	    jq -r '[.source.path, (.dkim | length),
	        (.dkim[0].selector // "-"), (.dkim[0].result // "-")] | @tsv' |
	    sort >"$TMP/v.$z"
done
join -t "$(printf '\t')" "$TMP/hdrs" "$TMP/v.z" |
    join -t "$(printf '\t')" - "$TMP/v.z3" >"$TMP/table"
# table: path seq rulesgen ndkim ar arpass | n sel res(Z) | n sel res(Z3)
[ "$(wc -l <"$TMP/table")" = "$ndel" ] ||
    bad "table: $(wc -l <"$TMP/table") rows for $ndel messages"

# key generation of an outgoing message: 1 = rsa1, 2 = key B, 3 = key D
awk -F '\t' -v OFS='\t' '
    FNR == NR { split($0, a, " ")
	if (a[4] == "ok") { t0[a[1]] = a[2]; t1[a[1]] = a[3] }; next }
    {
	seq = $2; out = (seq ~ /^o/)
	if (out) {
		if ($4 != 1) k = "unsigned(" $4 ")"
		else if ($8 == "rsa1" && $9 == "pass") k = 1
		else if ($8 == "new" && $9 == "pass" && $12 == "fail") k = 2
		else if ($8 == "new" && $12 == "pass" && $9 == "fail") k = 3
		else k = "bad(" $8 "," $9 "," $12 ")"
		if ($5 != 0) k = k "+ar"
	} else
		k = ($5 == 1 && $6 == "pass" && $4 == 1) ? "in" : "bad-in"
	split(seq, p, "-")
	print seq, p[1], p[2], t0[seq], t1[seq], k, $3
    }' "$TMP/sent" "$TMP/table" | sort -t "$(printf '\t')" -k2,2 -k3,3n \
    >"$TMP/gens"

nout=$(awk -F '\t' '$2 ~ /^o/' "$TMP/gens" | wc -l)
nbad=$(awk -F '\t' '$2 ~ /^o/ && $6 !~ /^[123]$/' "$TMP/gens" | wc -l)
if [ "$nout" -gt 0 ] && [ "$nbad" = 0 ]; then
	ok "outgoing: all $nout delivered messages have one signature that verifies, no A-R of ours"
else
	bad "outgoing: $nbad of $nout not signed with a verifying signature"
	awk -F '\t' '$2 ~ /^o/ && $6 !~ /^[123]$/' "$TMP/gens" | head -5 | show
fi
nin=$(awk -F '\t' '$2 ~ /^i/' "$TMP/gens" | wc -l)
nbadin=$(awk -F '\t' '$2 ~ /^i/ && $6 != "in"' "$TMP/gens" | wc -l)
if [ "$nin" -gt 0 ] && [ "$nbadin" = 0 ]; then
	ok "incoming: all $nin verified (one A-R of ours: dkim=pass, dmarc=pass), not signed"
else
	bad "incoming: $nbadin of $nin without the expected verification"
	awk -F '\t' '$2 ~ /^i/ && $6 != "in"' "$TMP/gens" | head -5 | show
fi

# expected key generation (outgoing) and rules generation (all) from the
# times: finished before a signal -> old, started after the log line -> new
# (the context is taken at MAIL FROM, between T0 and T1 of the message; at
# time t it is 1 before B's signal, 2 from B's log line to D's signal, 3
# from D's log line, either neighbour in between)
awk -F '\t' -v tb="$TB" -v tbd="$TBD" -v tc="$TC" -v td="$TD" -v tdd="$TDD" '
    function lo(t) { return t < tbd ? 1 : (t < tdd ? 2 : 3) }
    function hi(t) { return t < tb ? 1 : (t < td ? 2 : 3) }
    function chk(what, got, l, h) {
	if (got < l || got > h) {
		printf "%s: %s generation %s, want %s..%s (t0 %s t1 %s)\n",
		    $1, what, got, l, h, $4, $5
		bad++
	}
    }
    {
	kl = lo($4); kh = hi($5)
	if ($2 ~ /^o/ && $6 ~ /^[123]$/) {
		chk("key", $6, kl, kh)
		n[$6]++
		if ($2 == prev && $6 < last) {
			printf "%s: key generation %s after %s\n", $1, $6, last
			bad++
		}
		prev = $2; last = $6
		if ($4 > tc && $5 < td) afterfail++
	}
	if ($7 == "") { printf "%s: no X-Rules-Gen\n", $1; bad++ }
	else chk("rules", $7, kl == 1 ? 1 : 2, kh == 1 ? 1 : 2)
    }
    END {
	printf "counts %d %d %d %d %d\n", n[1], n[2], n[3], afterfail, bad
    }' "$TMP/gens" >"$TMP/order"
read -r _ k1 k2 k3 kafter nord <<<"$(tail -1 "$TMP/order")"
echo "     outgoing by key: rsa1 $k1, new (key B) $k2, new rotated in place (key D) $k3; $kafter between the failed reload and D"
if [ "$nord" = 0 ]; then
	ok "order: before each SIGUSR1 the old key and rules, after its 'reloaded' line the new ones, never back"
else
	bad "order: $nord messages with the wrong generation"
	head -n -1 "$TMP/order" | head -8 | show
fi
if [ "$k1" -gt 0 ] && [ "$k2" -gt 0 ] && [ "$k3" -gt 0 ]; then
	ok "keys: each of the three keys signed mail (new selector after B, rotated key after D)"
else
	bad "keys: want mail signed by each key, got $k1/$k2/$k3"
fi
if [ "$kafter" -gt 0 ]; then
	ok "failed reload: $kafter outgoing messages signed with key B after it"
else
	bad "failed reload: no outgoing mail between the failed reload and D"
fi

# the failed reload: logged with FILE:LINE, running configuration kept
if grep -q ": reload: $TMP/rules:$BROKEN_LINE: " "$TMP/mauthd.log" &&
    grep -q ': reload of .* failed; keeping the running configuration' \
    "$TMP/mauthd.log"; then
	ok "failed reload: logged with $TMP/rules:$BROKEN_LINE, running configuration kept"
else
	bad "failed reload: no 'reload: FILE:LINE' and 'keeping' lines in the log"
	grep -i reload "$TMP/mauthd.log" | show
fi
nre=$(grep -c ': reloaded ' "$TMP/mauthd.log")
if [ "$nre" = 2 ]; then
	ok "reloads: 2 logged as reloaded (B and D), 1 failed (C)"
else
	bad "reloads: $nre 'reloaded' lines, want 2"
fi
if mauthd_sanitizer; then
	bad "mauthd: sanitizer report"
	show "$TMP/mauthd.log"
else
	ok "mauthd: no sanitizer report"
fi

e2e_done
