#!/bin/bash
# milter_postfix.sh - mauthd in a real Postfix (issue 5, end-to-end cases 1-5).
#
#   milter_postfix.sh MAUTH MAUTHD SOURCE_DIR
#
# Inside a private network, mount and PID namespace (lib.sh): NSD serves
# testdata/e2e/milter.zone as "test." on 127.0.0.1:5353, mauthd listens on
# inet:8893@127.0.0.1 with dns_servers pointing at NSD, and a throw-away
# Postfix (own config and queue directories under a temp dir, no DNS,
# nothing relayed) on 127.0.0.1:2525 calls it; swaks is the client and
# gives client addresses with XCLIENT.  Every assertion is on the delivered
# Maildir files, the hold queue or the SMTP transcript.
set -u

E2E_NAME=milter_postfix
mauth=$(realpath "$1")
mauthd=$(realpath "$2")
src=$(realpath "$3")
. "$src/tests/e2e/lib.sh"

if [ "${MAUTH_E2E_IN_NS:-}" != 1 ]; then
	for tool in postfix postqueue swaks; do
		command -v "$tool" >/dev/null ||
		    die "'$tool' not found (run scripts/install-deps)"
	done
fi
e2e_enter_ns "$0" "$mauth" "$mauthd" "$src"

PORT=5353		# NSD
MPORT=8893		# mauthd
SPORT=2525		# Postfix smtpd
AUTHSERV=mx.e2e.test

TMP=$(mktemp -d /tmp/mauth-e2e-pfx.XXXXXX) || die "mktemp"
chmod 755 "$TMP"	# the postfix user must traverse it
. "$src/tests/e2e/milter_lib.sh"
trap milter_cleanup EXIT

# ---- DNS
e2e_nsd_start "$src/testdata/e2e/milter.zone" milter.zone

# ---- mauthd
mauthd_conf "$TMP/mauthd.conf" $MPORT "$(mauthd_bank_lines "$src")"
mauthd_start "$TMP/mauthd.conf" $MPORT

# ---- Postfix: its own config_directory and queue_directory in $TMP
postfix_start "$TMP" $SPORT $MPORT

# ---- 1. outgoing: internal client 127.0.0.2, From bank.test -> signed
send out 127.0.0.2 alice@bank.test --header "Subject: e2e outgoing" \
    --header "From: Alice <alice@bank.test>" --body "Hello from the bank."
if [ $SW_RC = 0 ] && deliver out; then
	ok "1 outgoing: accepted and delivered"
	n=$(header_count out DKIM-Signature)
	if [ "$n" = 2 ]; then
		ok "1 outgoing: 2 DKIM-Signature fields"
	else
		bad "1 outgoing: $n DKIM-Signature fields, want 2"
	fi
	v=$("$mauth" verify --zone "$src/testdata/verify/sample.zone" \
	    "$TMP/out.eml" 2>&1)
	if [ "$(printf '%s\n' "$v" | grep -o 'dkim=pass' | wc -l)" = 2 ]; then
		ok "1 outgoing: mauth verify: dkim=pass x2"
	else
		bad "1 outgoing: mauth verify: want dkim=pass x2"
		printf '%s\n' "$v" | show
	fi
	sed -n 's/^\([a-z0-9_.]*_domainkey\.bank\)[[:space:]]\{1,\}TXT[[:space:]]\{1,\}\(.*\)$/\1.test. IN TXT \2/p' \
	    "$src/testdata/e2e/milter.zone" >"$TMP/keys.zone"
	d=$(/usr/bin/python3 "$src/tests/interop/sign_dkimpy.py" \
	    "$TMP/keys.zone" "$TMP/out.eml" 2>&1)
	if [ "$(printf '%s\n' "$d" | grep -c ' pass$')" = 2 ]; then
		ok "1 outgoing: dkimpy verifies both signatures"
	else
		bad "1 outgoing: dkimpy verifies both signatures"
		printf '%s\n' "$d" | show
	fi
	if [ -z "$(ar out)" ]; then
		ok "1 outgoing: not verified (no Authentication-Results of ours)"
	else
		bad "1 outgoing: has our A-R: $(ar out)"
	fi
else
	bad "1 outgoing: not delivered (swaks exit $SW_RC)"
	show "$TMP/out.swaks"
fi


msg01=$src/testdata/verify/messages/01-pass-rsa.eml
plain=(--header "Subject: e2e incoming" --body "Hello.")

# ---- 2. incoming results
incoming 2-pass 192.0.2.25 alice@bank.test spf=pass dkim=pass dmarc=pass \
    -- --data "$msg01"
incoming 2-spf-fail 203.0.113.9 alice@bank.test spf=fail dkim=pass \
    dmarc=pass -- --data "$msg01"
incoming 2-spf-softfail 203.0.113.9 x@soft.test spf=softfail -- \
    --header "From: x@soft.test" "${plain[@]}"
incoming 2-spf-none 203.0.113.9 x@nospf.test spf=none dkim=none -- \
    --header "From: x@nospf.test" "${plain[@]}"
incoming 2-spf-permerror 192.0.2.25 x@perm.test spf=permerror -- \
    --header "From: x@perm.test" "${plain[@]}"

# ---- 3. forged Authentication-Results: ours removed (any case), others kept
forged_case 192.0.2.25 "$msg01"

# ---- 4. policy: p=reject -> 550 5.7.1 at end of DATA; p=quarantine -> hold
before=$(ndelivered)
send 4-reject 203.0.113.9 mallory@evil.test \
    --data "$src/testdata/verify/messages/04-spoofed-from.eml"
if [ $SW_RC != 0 ] && grep -q '^<\*\* *550 5\.7\.1 ' "$TMP/4-reject.swaks"; then
	ok "4 reject: DMARC p=reject failure answered 550 5.7.1 at DATA"
else
	bad "4 reject: want 550 5.7.1 (swaks exit $SW_RC)"
	show "$TMP/4-reject.swaks"
fi
send 4-quarantine 203.0.113.9 shop@shop.test \
    --data "$src/testdata/verify/messages/06-unsigned-quarantine.eml"
held=0
for _ in $(seq 1 100); do
	held=$(find "$TMP/spool/hold" -type f 2>/dev/null | wc -l)
	[ "$held" -ge 1 ] && break
	sleep 0.05
done
if [ $SW_RC = 0 ] && [ "$held" = 1 ] &&
    postqueue -c "$TMP/etc" -p 2>/dev/null | grep -q '^[0-9A-F]*!.*shop@shop.test'; then
	ok "4 quarantine: DMARC p=quarantine failure is in the hold queue"
else
	bad "4 quarantine: want 1 held message (swaks exit $SW_RC, held $held)"
	show "$TMP/4-quarantine.swaks"
fi
sleep 0.5
after=$(ndelivered)
if [ "$after" = "$before" ]; then
	ok "4 policy: neither the rejected nor the held message was delivered"
else
	bad "4 policy: $((after - before)) delivered, want 0"
fi

# ---- 5a. DNS server gone: temperror -> the rules' tempfail (451 4.4.3),
# within the per-message DNS bound (dns_time_ms 5000)
kill -TERM "$NSD_PID" 2>/dev/null
wait "$NSD_PID" 2>/dev/null
NSD_PID=
before=$(ndelivered)
t0=$(now_ms)
send 5-nodns 198.51.100.1 x@unqueried.test \
    --header "From: x@unqueried.test" "${plain[@]}"
ms=$(( $(now_ms) - t0 ))
if [ $SW_RC != 0 ] && grep -q '^<\*\* *451 4\.4\.3 ' "$TMP/5-nodns.swaks"; then
	ok "5 DNS down: 451 4.4.3 from the rules (temperror) after $ms ms"
else
	bad "5 DNS down: want 451 4.4.3 (swaks exit $SW_RC, $ms ms)"
	show "$TMP/5-nodns.swaks"
fi
if [ "$ms" -le 8000 ]; then
	ok "5 DNS down: answered within 8 s (dns_time_ms 5000)"
else
	bad "5 DNS down: $ms ms, want <= 8000"
fi
if grep -q 'from=<x@unqueried.test> spf=temperror .*action=tempfail' \
    "$TMP/mauthd.log"; then
	ok "5 DNS down: mauthd logs spf=temperror, action=tempfail"
else
	bad "5 DNS down: no temperror in mauthd's log line"
	tail -3 "$TMP/mauthd.log" | show
fi
sleep 0.3
if [ "$(ndelivered)" = "$before" ]; then
	ok "5 DNS down: nothing delivered"
else
	bad "5 DNS down: delivered, want tempfail"
fi

# ---- 5. mauthd gone: Postfix answers 4xx, nothing delivered or queued
down_case "5 mauthd down" "$msg01"
queued=$(find "$TMP/spool/incoming" "$TMP/spool/active" "$TMP/spool/deferred" \
    -type f 2>/dev/null | wc -l)
if [ "$queued" = 0 ]; then
	ok "5 mauthd down: nothing queued either (the client keeps it)"
else
	bad "5 mauthd down: $queued queued, want 0"
fi

e2e_done
