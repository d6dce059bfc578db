#!/bin/bash
# milter_sendmail.sh - mauthd in a real Sendmail (issue 5, end-to-end cases
# 1-4, the Sendmail half).
#
#   milter_sendmail.sh MAUTH MAUTHD SOURCE_DIR
#
# Sendmail cannot be installed beside Postfix (sendmail-bin conflicts with
# mail-transport-agent): scripts/install-deps unpacks its .debs into
# /opt/mauth-sendmail (or $MAUTH_SENDMAIL_ROOT) and it runs from there.
#
# Inside a private network, mount and PID namespace (lib.sh): NSD serves
# testdata/e2e/milter.zone plus testdata/e2e/sendmail.zone as "test." on
# 127.0.0.1:5353; mauthd listens on inet:8894@127.0.0.1; a throw-away
# Sendmail (sendmail.cf built with m4 from the unpacked sendmail-cf, queue
# and files under a temp dir, host names from files only) listens on
# 127.0.0.1:2526 with mauthd as its milter (F=T: tempfail when it is down)
# and delivers every local recipient into one Maildir through a small
# "local mailer" script.  Sendmail has no XCLIENT: the client addresses are
# added to lo inside the namespace and swaks binds to them
# (--local-interface).  Sendmail looks up its own host name before reading
# its cf, with the system resolver: /etc/hosts and /etc/resolv.conf are
# replaced by bind mounts that exist only in this mount namespace.
set -u

E2E_NAME=milter_sendmail
mauth=$(realpath "$1")
mauthd=$(realpath "$2")
src=$(realpath "$3")
. "$src/tests/e2e/lib.sh"
. "$src/tests/e2e/milter_lib.sh"

SM_ROOT=${MAUTH_SENDMAIL_ROOT:-/opt/mauth-sendmail}
SM=$SM_ROOT/usr/libexec/sendmail/sendmail
SM_CF=$SM_ROOT/usr/share/sendmail/cf

if [ "${MAUTH_E2E_IN_NS:-}" != 1 ]; then
	for tool in swaks m4 mount perl; do
		command -v "$tool" >/dev/null ||
		    die "'$tool' not found (run scripts/install-deps)"
	done
	perl -MDB_File -e 1 2>/dev/null ||
	    die "Perl's DB_File not found (run scripts/install-deps)"
	[ -d /usr/lib/sasl2 ] ||
	    die "no /usr/lib/sasl2 (libsasl2-2; run scripts/install-deps)"
	[ -x "$SM" ] && [ -f "$SM_CF/m4/cf.m4" ] ||
	    die "no Sendmail in $SM_ROOT (run scripts/install-deps)"
fi
e2e_enter_ns "$0" "$mauth" "$mauthd" "$src"

PORT=5353		# NSD
MPORT=8894		# mauthd
SPORT=2526		# Sendmail
AUTHSERV=mx.e2e.test

TMP=$(mktemp -d /tmp/mauth-e2e-sm.XXXXXX) || die "mktemp"
SM_PID=
cleanup() {
	if [ -n "$SM_PID" ]; then
		kill -TERM "$SM_PID" 2>/dev/null
		wait "$SM_PID" 2>/dev/null
	fi
	milter_cleanup
}
trap cleanup EXIT
chmod 755 "$TMP"

# ---- the namespace: client addresses, host name, no resolver
# 127.0.0.2 internal (mauthd's internal_networks); 192.0.2.25 in bank.test's
# SPF; 203.0.113.9 in nobody's
for a in 127.0.0.2 192.0.2.25 203.0.113.9; do
	case $a in 127.*) continue ;; esac	# lo has 127.0.0.0/8 already
	ip addr add "$a/32" dev lo || die "cannot add $a to lo"
done
printf '127.0.0.1\tlocalhost mx2.sink.test %s\n' "$(hostname)" >"$TMP/hosts"
printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n' \
    >"$TMP/resolv.conf"
mount --bind "$TMP/hosts" /etc/hosts || die "cannot bind-mount /etc/hosts"
mount --bind "$TMP/resolv.conf" /etc/resolv.conf ||
    die "cannot bind-mount /etc/resolv.conf"

# ---- DNS
cat "$src/testdata/e2e/milter.zone" "$src/testdata/e2e/sendmail.zone" \
    >"$TMP/test.zone"
e2e_nsd_start "$TMP/test.zone" sendmail-test.zone

# ---- mauthd
mauthd_conf "$TMP/mauthd.conf" $MPORT "$(mauthd_bank_lines "$src")"
mauthd_start "$TMP/mauthd.conf" $MPORT

# ---- Sendmail: sendmail.cf from an .mc, everything in $TMP/sm
S=$TMP/sm
MAILDIR=$TMP/mail/sink/new
mkdir -p "$S/mqueue" "$S/clientmqueue" "$TMP/mail/sink/tmp" "$MAILDIR"
chmod 700 "$S/mqueue"
: >"$S/aliases"
: >"$S/statistics"
# host names and aliases from files only, never DNS
printf 'hosts files\naliases files\n' >"$S/service.switch"
# the local mailer: the message on stdin into the Maildir (tmp/, then new/)
cat >"$S/deliver" <<SH
#!/bin/sh
# deliver USER - called by Sendmail's local mailer
f=\$(date +%s.%N).\$\$.sm
cat >"$TMP/mail/sink/tmp/\$f" && mv "$TMP/mail/sink/tmp/\$f" "$MAILDIR/\$f"
SH
chmod 755 "$S/deliver"
cat >"$S/test.mc" <<MC
divert(-1)
# mauth e2e: a throw-away Sendmail with mauthd as its milter
divert(0)dnl
VERSIONID(\`mauth e2e')dnl
dnl any local part is deliverable (no passwd lookup)
MODIFY_MAILER_FLAGS(\`LOCAL', \`-w')dnl
OSTYPE(\`linux')dnl
dnl OSTYPE(linux) selects FEATURE(local_procmail); the local mailer is
dnl redefined after it: our deliver script
define(\`LOCAL_MAILER_PATH', \`$S/deliver')dnl
define(\`LOCAL_MAILER_ARGS', \`deliver \$u')dnl
define(\`confDOMAIN_NAME', \`mx2.sink.test')dnl
define(\`confSERVICE_SWITCH_FILE', \`$S/service.switch')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`QUEUE_DIR', \`$S/mqueue')dnl
define(\`MSP_QUEUE_DIR', \`$S/clientmqueue')dnl
define(\`confPID_FILE', \`$S/sendmail.pid')dnl
define(\`STATUS_FILE', \`$S/statistics')dnl
define(\`ALIAS_FILE', \`$S/aliases')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confDELIVERY_MODE', \`interactive')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit,GroupWritableDirPathSafe,RunProgramInUnsafeDirPath')dnl
define(\`confAUTH_MECHANISMS', \`CRAM-MD5')dnl
define(\`confAUTH_REALM', \`mx2.sink.test')dnl
TRUST_AUTH_MECH(\`CRAM-MD5')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
LOCAL_DOMAIN(\`sink.test')dnl
DAEMON_OPTIONS(\`Port=$SPORT, Addr=127.0.0.1, Name=MTA')dnl
INPUT_MAIL_FILTER(\`mauthd', \`S=inet:$MPORT@127.0.0.1, F=T, T=C:5s;S:10s;R:20s;E:30s')dnl
dnl the smtp mailer is needed to accept remote senders; nothing can leave
dnl the namespace (only lo, no DNS)
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MC
m4 -D_CF_DIR_="$SM_CF/" "$SM_CF/m4/cf.m4" "$S/test.mc" >"$S/sendmail.cf" \
    2>"$S/m4.err" && ! [ -s "$S/m4.err" ] ||
    { cat "$S/m4.err" >&2; die "m4 cannot build sendmail.cf"; }
# SMTP AUTH (CRAM-MD5) for one user, alice, from a sasldb of our own:
# Cyrus SASL reads Sendmail.conf from the first directory of its path that
# has one (/etc/sasl2:/etc/sasl:/usr/lib/<arch>/sasl2:/usr/lib/sasl2), so
# ours is bind-mounted over /usr/lib/sasl2 and over any other Sendmail.conf
# on that path (in this mount namespace only).
# The sasldb is written by milter_lib.sh's sasldb_write.
SASL_PASSWORD=e2e-secret
mkdir -p "$S/sasl2"
cat >"$S/sasl2/Sendmail.conf" <<SASL
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: CRAM-MD5
sasldb_path: $S/sasldb2
SASL
for f in /etc/sasl2/Sendmail.conf /etc/sasl/Sendmail.conf \
    /usr/lib/*/sasl2/Sendmail.conf; do
	[ -f "$f" ] || continue
	mount --bind "$S/sasl2/Sendmail.conf" "$f" ||
	    die "cannot bind-mount over $f"
done
mount --bind "$S/sasl2" /usr/lib/sasl2 ||
    die "cannot bind-mount $S/sasl2 over /usr/lib/sasl2"
sasldb_write "$S/sasldb2" alice mx2.sink.test "$SASL_PASSWORD" ||
    die "cannot write the sasldb"
# aliases.db: without it every delivery is deferred ("alias database
# unavailable")
"$SM" -C "$S/sendmail.cf" -bi >"$S/newaliases.out" 2>&1 ||
    { cat "$S/newaliases.out" >&2; die "sendmail -bi fails"; }
"$SM" -C "$S/sendmail.cf" -bD -q1h >"$S/sendmail.out" 2>&1 &
SM_PID=$!
wait_port $SPORT ||
    { cat "$S/sendmail.out" >&2; die "sendmail does not listen on $SPORT"; }

# sm_send NAME CLIENT_ADDR MAIL_FROM [SWAKS ARGS...] - one message through
# Sendmail from CLIENT_ADDR (an address on lo); the transcript goes to
# $TMP/NAME.swaks, the exit status to SW_RC
sm_send() {
	local name=$1 addr=$2 from=$3
	shift 3
	swaks --server 127.0.0.1 --port $SPORT --timeout 30 \
	    --local-interface "$addr" --ehlo client.example \
	    --from "$from" --to bob@sink.test "$@" \
	    >"$TMP/$name.swaks" 2>&1
	SW_RC=$?
}

# sm_queue_id NAME - the queue id in Sendmail's "250 2.0.0 ID Message
# accepted" reply of $TMP/NAME.swaks
sm_queue_id() {
	sed -n 's/^<- *250 2\.0\.0 \([0-9A-Za-z]*\) Message accepted.*/\1/p' \
	    "$TMP/$1.swaks" | head -1
}

# outgoing NAME ADDR WHO [SWAKS ARGS...] - mail From bank.test sent from
# ADDR (WHO: how mauthd's log line marks the client, "internal" or "auth")
# is delivered signed twice (RSA, Ed25519), both signatures verify with
# mauth verify and dkimpy, and it is not checked
outgoing() {
	local name=$1 addr=$2 who=$3 n v d qid
	shift 3
	sm_send "$name" "$addr" alice@bank.test \
	    --header "Subject: e2e outgoing" \
	    --header "From: Alice <alice@bank.test>" \
	    --body "Hello from the bank." "$@"
	if [ $SW_RC != 0 ] || ! deliver "$name"; then
		bad "$name: not delivered (swaks exit $SW_RC)"
		show "$TMP/$name.swaks"
		return
	fi
	ok "$name: accepted and delivered"
	n=$(header_count "$name" DKIM-Signature)
	if [ "$n" = 2 ]; then
		ok "$name: 2 DKIM-Signature fields"
	else
		bad "$name: $n DKIM-Signature fields, want 2"
	fi
	v=$("$mauth" verify --zone "$src/testdata/verify/sample.zone" \
	    "$TMP/$name.eml" 2>&1)
	if [ "$(printf '%s\n' "$v" | grep -o 'dkim=pass' | wc -l)" = 2 ]; then
		ok "$name: mauth verify: dkim=pass x2"
	else
		bad "$name: mauth verify: want dkim=pass x2"
		printf '%s\n' "$v" | show
	fi
	d=$(/usr/bin/python3 "$src/tests/interop/sign_dkimpy.py" \
	    "$TMP/keys.zone" "$TMP/$name.eml" 2>&1)
	if [ "$(printf '%s\n' "$d" | grep -c ' pass$')" = 2 ]; then
		ok "$name: dkimpy verifies both signatures"
	else
		bad "$name: dkimpy verifies both signatures"
		printf '%s\n' "$d" | show
	fi
	if [ -z "$(ar "$name")" ]; then
		ok "$name: not verified (no Authentication-Results of ours)"
	else
		bad "$name: has our A-R: $(ar "$name")"
	fi
	# Sendmail's macros reached mauthd: {i} (the queue id), the client,
	# {auth_authen}
	qid=$(sm_queue_id "$name")
	if [ -n "$qid" ] && grep -q "^.* $qid: client=${addr//./\\.} $who from=<alice@bank\.test> signed d=bank\.test" \
	    "$TMP/mauthd.log"; then
		ok "$name: mauthd logs Sendmail's queue id $qid, client $addr $who"
	else
		bad "$name: no mauthd log line with queue id '$qid', client=$addr $who, signed"
		tail -3 "$TMP/mauthd.log" | show
	fi
}

# the key records of the zone, as sign_dkimpy.py reads them
sed -n 's/^\([a-z0-9_.]*_domainkey\.bank\)[[:space:]]\{1,\}TXT[[:space:]]\{1,\}\(.*\)$/\1.test. IN TXT \2/p' \
    "$src/testdata/e2e/milter.zone" >"$TMP/keys.zone"

# ---- 1. outgoing: signed, from an internal client (127.0.0.2) and from an
# outside address after SMTP AUTH (Sendmail passes {auth_authen})
outgoing 1-internal 127.0.0.2 internal
outgoing 1-auth 203.0.113.9 auth --auth CRAM-MD5 --auth-user alice \
    --auth-password "$SASL_PASSWORD"


SEND=sm_send
msg=$src/testdata/verify/messages
plain=(--header "Subject: e2e incoming" --body "Hello.")

# ---- 2. incoming results (client addresses on lo, see above)
incoming 2-pass 192.0.2.25 alice@bank.test spf=pass dkim=pass dmarc=pass \
    -- --data "$msg/01-pass-rsa.eml"
incoming 2-dkim-fail 192.0.2.25 alice@bank.test spf=pass dkim=fail \
    dmarc=pass -- --data "$msg/03-tampered-body.eml"
incoming 2-spf-fail 203.0.113.9 alice@bank.test spf=fail dkim=pass \
    dmarc=pass -- --data "$msg/01-pass-rsa.eml"
incoming 2-spf-softfail 203.0.113.9 x@soft.test spf=softfail dkim=none -- \
    --header "From: x@soft.test" "${plain[@]}"
incoming 2-spf-none 203.0.113.9 x@nospf.test spf=none dkim=none -- \
    --header "From: x@nospf.test" "${plain[@]}"
# temperror: tempe.test's include gets REFUSED; DKIM and DMARC pass for
# bank.test, so the default rules accept (a DNS error cannot undo a pass)
incoming 2-spf-temperror 192.0.2.25 x@tempe.test spf=temperror dkim=pass \
    dmarc=pass -- --data "$msg/01-pass-rsa.eml"
incoming 2-spf-permerror 192.0.2.25 x@perm.test spf=permerror -- \
    --header "From: x@perm.test" "${plain[@]}"

# DKIM permerror: signed (now, with mauth sign) for a key record that
# cannot be read; dperm.test has no SPF or DMARC record
# msg_from FROM SUBJECT - a plain message from FROM on stdout
msg_from() {
	printf 'From: %s\nTo: bob@sink.test\nSubject: %s\n' "$1" "$2"
	printf 'Date: Thu, 26 Nov 2026 12:00:00 +0000\n'
	printf 'Message-ID: <%s@e2e.test>\n\nHello.\n' "$(echo "$2" | tr ' ' -)"
}
msg_from x@dperm.test "e2e dkim permerror" |
    "$mauth" sign --domain dperm.test --selector bad \
    --key "$src/testdata/verify/keys/rsa2048.pem" >"$TMP/dperm.eml" ||
    die "mauth sign fails"
incoming 2-dkim-permerror 203.0.113.9 x@dperm.test spf=none dkim=permerror \
    dmarc=none -- --data "$TMP/dperm.eml"

# temperror in DKIM or DMARC without a pass: the default rules answer
# 451 4.4.3 ("tempfail ... if dns=temperror"), nothing is delivered, and
# mauthd's log line has the result.  Names outside "test." get REFUSED
# from NSD.
# tempfailed NAME ADDR MAIL_FROM WANT -- SWAKS ARGS...
tempfailed() {
	local name=$1 addr=$2 from=$3 want=$4 before
	shift 5
	before=$(ndelivered)
	sm_send "$name" "$addr" "$from" "$@"
	if [ $SW_RC != 0 ] && grep -q '^<\*\* *451 4\.4\.3 ' "$TMP/$name.swaks" &&
	    grep -q "from=<$from> .*$want.* action=tempfail" "$TMP/mauthd.log"
	then
		ok "$name: $want -> 451 4.4.3 (rules: dns=temperror)"
	else
		bad "$name: want $want and 451 4.4.3 (swaks exit $SW_RC)"
		show "$TMP/$name.swaks"
		tail -2 "$TMP/mauthd.log" | show
	fi
	sleep 0.2
	if [ "$(ndelivered)" != "$before" ]; then
		bad "$name: delivered, want tempfail"
		deliver "$name-unwanted"	# seen: not taken for the next one
	fi
}
msg_from x@dtemp.test "e2e dkim temperror" |
    "$mauth" sign --domain outside-the-test-zone --selector s \
    --key "$src/testdata/verify/keys/rsa2048.pem" >"$TMP/dtemp.eml" ||
    die "mauth sign fails"
tempfailed 2-dkim-temperror 203.0.113.9 x@dtemp.test dkim=temperror -- \
    --data "$TMP/dtemp.eml"
tempfailed 2-dmarc-temperror 203.0.113.9 x@nospf.test dmarc=temperror -- \
    --header "From: x@outside-the-test-zone" "${plain[@]}"

# ---- 3. forged Authentication-Results: ours removed (any case), others kept
forged_case 192.0.2.25 "$msg/01-pass-rsa.eml"

# ---- 4. policy: p=reject -> the rule's reply at end of DATA;
# p=quarantine -> Sendmail's quarantine (qf renamed hf, with a 'q' line)
before=$(ndelivered)
sm_send 4-reject 203.0.113.9 mallory@evil.test \
    --data "$msg/04-spoofed-from.eml"
if [ $SW_RC != 0 ] && grep -q '^<\*\* *550 5\.7\.1 Message rejected by the DMARC policy of bank\.test$' \
    "$TMP/4-reject.swaks"; then
	ok "4 reject: DMARC p=reject failure answered with the rule's 550 5.7.1 reply"
else
	bad "4 reject: want '550 5.7.1 Message rejected by the DMARC policy of bank.test' (swaks exit $SW_RC)"
	show "$TMP/4-reject.swaks"
fi
sm_send 4-quarantine 203.0.113.9 shop@shop.test \
    --data "$msg/06-unsigned-quarantine.eml"
qid=$(sm_queue_id 4-quarantine)
if [ $SW_RC = 0 ] && [ -n "$qid" ] && [ -f "$S/mqueue/hf$qid" ] &&
    grep -q '^q' "$S/mqueue/hf$qid"; then
	ok "4 quarantine: queue file hf$qid with a quarantine reason ($(grep -m1 '^q' "$S/mqueue/hf$qid" | cut -c1-60))"
else
	bad "4 quarantine: want a quarantined queue file hf<id> with a 'q' line (swaks exit $SW_RC, id '$qid')"
	show "$TMP/4-quarantine.swaks"
	ls -l "$S/mqueue" | show
fi
"$SM" -C "$S/sendmail.cf" -bp -qQ >"$TMP/mailq-Q.out" 2>&1
if [ -n "$qid" ] && grep -q "^$qid" "$TMP/mailq-Q.out" &&
    grep -q 'shop@shop.test' "$TMP/mailq-Q.out"; then
	ok "4 quarantine: sendmail -bp -qQ lists $qid from shop@shop.test"
else
	bad "4 quarantine: sendmail -bp -qQ does not list '$qid'"
	show "$TMP/mailq-Q.out"
fi
sleep 0.3
after=$(ndelivered)
if [ "$after" = "$before" ]; then
	ok "4 policy: neither the rejected nor the quarantined message was delivered"
else
	bad "4 policy: $((after - before)) delivered, want 0"
fi

# ---- (not one of the four cases) mauthd gone: F=T gives a temporary
# failure, nothing delivered
down_case "mauthd down" "$msg/01-pass-rsa.eml"

if [ "$FAIL" != 0 ]; then
	echo "mauthd's log (last lines):"
	show "$TMP/mauthd.log"
fi
e2e_done
