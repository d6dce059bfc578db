# milter_lib.sh - pieces shared by the mauthd end-to-end drivers (real MTAs);
# sourced after lib.sh, never run on its own.
#
# The driver sets, before calling anything here:
#   TMP       a private temp directory (mode 755: the MTA's users traverse it)
#   mauthd    the mauthd binary (absolute path)
#   PORT      NSD's port (lib.sh's e2e_nsd_start uses it too)
#   AUTHSERV  mauthd's authserv_id (ar() looks for it)
#
# MTA-independent:
#   wait_port PORT [ADDR] true once something accepts on ADDR:PORT (default
#                         127.0.0.1; about 10 s), else false
#   mauthd_conf FILE MPORT [EXTRA]
#                         writes a mauthd.conf: socket inet:MPORT@127.0.0.1,
#                         authserv_id $AUTHSERV, DNS from NSD on $PORT (1 s
#                         timeout, 1 retry, 5 s per message), failsafe
#                         tempfail, log to stderr, then the text EXTRA as is
#   mauthd_bank_lines SRC prints the usual EXTRA: sign+verify, internal
#                         127.0.0.2/32, bank.test signed with rsa1 (RSA) and
#                         ed1 (Ed25519) from SRC/testdata/verify/keys, rules
#                         SRC/rules/default.rules
#   mauthd_start CONF MPORT
#                         mauthd -n must accept CONF (else die), then
#                         mauthd -f runs with stderr appended to
#                         $TMP/mauthd.log; sets MD_PID; dies unless it
#                         listens on MPORT
#   mauthd_stop           SIGKILL and reap mauthd (MD_PID emptied); a no-op
#                         when it is not running
#   mauthd_rss            mauthd's VmRSS in kB (/proc/MD_PID/status)
#   mauthd_sanitizer      true when $TMP/mauthd.log has a sanitizer report
#   sasldb_write FILE USER REALM PASSWORD
#                         a Cyrus SASL sasldb (Berkeley DB hash of
#                         "user\0realm\0userPassword" -> password, written
#                         with Perl's DB_File) for an MTA's SMTP AUTH
#
# Maildir checks (MAILDIR = the delivery directory's "new"; NAME.eml files
# are kept in $TMP):
#   deliver NAME          wait (about 10 s) for one Maildir file not seen
#                         before, copy it to $TMP/NAME.eml; false if none
#   ndelivered            number of files in MAILDIR (0 if it does not exist)
#   ar NAME               our Authentication-Results fields of $TMP/NAME.eml
#                         (authserv-id $AUTHSERV), one unfolded line each
#   header_count NAME FIELD
#                         how many FIELD header fields $TMP/NAME.eml has
#   show FILE...          the last 15 lines, indented (failure details)
#   incoming NAME ADDR MAIL_FROM WANT... -- SWAKS ARGS...
#                         one incoming message sent with $SEND (default
#                         send; Sendmail: sm_send) must be delivered with
#                         exactly one A-R of ours holding each WANT word
#                         and no DKIM-Signature added
#   down_case LABEL MESSAGE
#                         mauthd's log has no sanitizer report; then mauthd
#                         is stopped and MESSAGE gets a 4xx, not delivered
#   forged_case ADDR MESSAGE
#                         case 3 (forged A-R fields of ours removed, another
#                         authserv-id's kept) with MESSAGE from ADDR
#
# Postfix:
#   postfix_start TMP SPORT MPORT [EXTRA]
#                         a throw-away Postfix with config and queue in
#                         TMP/etc and TMP/spool, smtpd on 127.0.0.1:SPORT,
#                         mauthd on 127.0.0.1:MPORT as its milter
#                         (milter_default_action tempfail), no DNS, nothing
#                         relayed, every recipient in sink.test delivered to
#                         the Maildir TMP/mail/sink/ (sets MAILDIR); XCLIENT
#                         allowed from 127.0.0.0/8; EXTRA lines appended to
#                         main.cf; dies unless it listens on SPORT;
#                         PFX_LISTEN (default 127.0.0.1): the addresses
#                         smtpd listens on (e.g. addresses added to lo, so
#                         a client without XCLIENT connects from them)
#   postfix_stop TMP      postfix stop (quiet); use in the EXIT trap
#   send NAME ADDR MAIL_FROM [SWAKS ARGS...]
#                         one message with swaks to 127.0.0.1:$SPORT, client
#                         address ADDR given with XCLIENT, RCPT bob@sink.test;
#                         transcript $TMP/NAME.swaks, exit status in SW_RC
#   milter_cleanup        the EXIT trap: Postfix, mauthd, NSD stopped, $TMP
#                         removed

MD_PID=

wait_port() {
	for _ in $(seq 1 200); do
		(exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

mauthd_conf() {
	local file=$1 mport=$2 extra=${3:-}
	cat >"$file" <<CONF
socket = "inet:$mport@127.0.0.1"
authserv_id = "$AUTHSERV"
dns_servers = { "127.0.0.1:$PORT" }
dns_timeout_ms = 1000
dns_retries = 1
dns_time_ms = 5000
failsafe = "tempfail"
log = "stderr"
$extra
CONF
}

mauthd_bank_lines() {
	cat <<CONF
mode = "sign+verify"
internal_networks = { "127.0.0.2/32" }
sign {
	domain = "bank.test"
	selector = "rsa1"
	key = "$1/testdata/verify/keys/rsa2048.pem"
}
sign {
	domain = "bank.test"
	selector = "ed1"
	key = "$1/testdata/verify/keys/ed25519.pem"
	algorithm = "ed25519-sha256"
}
rules_file = "$1/rules/default.rules"
CONF
}

mauthd_start() {
	local conf=$1 mport=$2
	"$mauthd" -n -c "$conf" >"$TMP/mauthd-n.out" 2>&1 || {
		cat "$TMP/mauthd-n.out" >&2
		die "mauthd -n rejects the configuration"
	}
	"$mauthd" -f -c "$conf" 2>>"$TMP/mauthd.log" &
	MD_PID=$!
	wait_port "$mport" || {
		cat "$TMP/mauthd.log" >&2
		die "mauthd does not listen on $mport"
	}
}

mauthd_stop() {
	[ -n "$MD_PID" ] || return 0
	{ kill -KILL "$MD_PID"; wait "$MD_PID"; } 2>/dev/null
	MD_PID=
}

mauthd_rss() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$MD_PID/status" 2>/dev/null
}

mauthd_sanitizer() {
	grep -q -E 'Sanitizer|runtime error:' "$TMP/mauthd.log"
}

# sasldb_write FILE USER REALM PASSWORD - see the top of this file
sasldb_write() {
	perl -MDB_File -MFcntl -e '
		tie(my %db, "DB_File", $ARGV[0], O_RDWR | O_CREAT, 0600,
		    $DB_HASH) or die "$ARGV[0]: $!\n";
		$db{"$ARGV[1]\0$ARGV[2]\0userPassword"} = $ARGV[3];
		untie %db or die "$ARGV[0]: $!\n";' "$1" "$2" "$3" "$4"
}

# ---- Maildir

MD_SEEN=0
deliver() {
	local f
	for _ in $(seq 1 200); do
		if [ -d "$MAILDIR" ] &&
		    [ "$(find "$MAILDIR" -type f | wc -l)" -gt "$MD_SEEN" ]; then
			for f in "$MAILDIR"/*; do
				grep -qxF "$f" "$TMP/seen" 2>/dev/null && continue
				echo "$f" >>"$TMP/seen"
				MD_SEEN=$((MD_SEEN + 1))
				cp "$f" "$TMP/$1.eml"
				return 0
			done
		fi
		sleep 0.05
	done
	return 1
}

ndelivered() {
	if [ -d "$MAILDIR" ]; then find "$MAILDIR" -type f | wc -l; else echo 0; fi
}

ar() {
	awk -v id="$AUTHSERV" '
	    /^$/ { exit }
	    /^[ \t]/ { if (on) { sub(/^[ \t]+/, " "); line = line $0 }; next }
	    { if (on) { print line; on = 0 }
	      if (tolower($0) ~ "^authentication-results: *" id ";") {
	          on = 1; line = $0 } }
	    END { if (on) print line }' "$TMP/$1.eml"
}

header_count() {
	awk -v f="$2" 'BEGIN { f = tolower(f) ":" }
	    /^$/ { exit } tolower(substr($0, 1, length(f))) == f { n++ }
	    END { print n + 0 }' "$TMP/$1.eml"
}

show() {
	sed 's/^/    /' "$@" | tail -15
}

# incoming NAME ADDR MAIL_FROM WANT... -- SWAKS ARGS... - see the top of
# this file; an incoming message from ADDR (sent with $SEND, default send)
# delivered with exactly one A-R of ours containing each
# WANT (a whole "method=result" word) and no DKIM-Signature added
incoming() {
	local name=$1 addr=$2 from=$3 want=() a= w miss= nsig
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		want+=("$1")
		shift
	done
	shift
	# the DKIM-Signature fields the message had when sent (--data FILE)
	nsig=0
	for w in "$@"; do
		if [ "$a" = --data ]; then
			nsig=$(sed '/^$/q' "$w" | grep -ci '^dkim-signature:')
		fi
		a=$w
	done
	"${SEND:-send}" "$name" "$addr" "$from" "$@"
	if [ $SW_RC != 0 ] || ! deliver "$name"; then
		bad "$name: not delivered (swaks exit $SW_RC)"
		show "$TMP/$name.swaks"
		return
	fi
	a=$(ar "$name")
	if [ "$(printf '%s\n' "$a" | grep -c .)" != 1 ]; then
		bad "$name: $(printf '%s\n' "$a" | grep -c .) A-R fields of ours, want 1"
		return
	fi
	for w in "${want[@]}"; do
		case " $a;" in
		*[\ \;]"$w"[\ \;]*) ;;
		*) miss="$miss $w" ;;
		esac
	done
	if [ -z "$miss" ] && [ "$(header_count "$name" DKIM-Signature)" = "$nsig" ]
	then
		ok "$name: ${want[*]}"
		echo "     $a" | cut -c1-200
	else
		bad "$name: want ${want[*]} (missing:$miss), got: $a"
	fi
}

# forged_case ADDR MESSAGE - case 3: MESSAGE (signed by bank.test, SPF
# pass from ADDR) sent with two forged A-R fields of ours (two letter
# cases) and one of other.example: ours removed, the other kept unchanged
forged_case() {
	{
		echo "Authentication-Results: $AUTHSERV; dkim=pass header.d=forged1.test"
		echo "Authentication-Results: MX.E2E.Test; spf=pass smtp.mailfrom=forged2.test"
		echo "Authentication-Results: other.example; spf=pass smtp.mailfrom=kept.test"
		cat "$2"
	} >"$TMP/forged-in.eml"
	incoming 3-forged "$1" alice@bank.test spf=pass dkim=pass dmarc=pass \
	    -- --data "$TMP/forged-in.eml"
	[ -f "$TMP/3-forged.eml" ] || return
	if ! grep -q 'forged[12]\.test' "$TMP/3-forged.eml"; then
		ok "3 forged: A-R fields with our authserv-id removed"
	else
		bad "3 forged: a forged A-R of ours is still there"
		grep -i '^authentication-results' "$TMP/3-forged.eml" | show
	fi
	if grep -q '^Authentication-Results: other.example; spf=pass smtp.mailfrom=kept.test$' \
	    "$TMP/3-forged.eml"; then
		ok "3 forged: the A-R of another authserv-id is kept, unchanged"
	else
		bad "3 forged: the A-R of another authserv-id is gone or changed"
	fi
}

# down_case LABEL MESSAGE - no sanitizer report in mauthd's log so far;
# then mauthd stopped: MESSAGE from 192.0.2.25 (sent with $SEND) gets a
# temporary failure and is not delivered (the client keeps it); an MTA's
# own queue is checked by the caller
down_case() {
	local label=$1 before
	if mauthd_sanitizer; then
		bad "mauthd: sanitizer report"
		show "$TMP/mauthd.log"
	else
		ok "mauthd: no sanitizer report"
	fi
	mauthd_stop
	before=$(ndelivered)
	"${SEND:-send}" 5-down 192.0.2.25 alice@bank.test --data "$2"
	if [ $SW_RC != 0 ] && grep -q '^<\*\* *4[0-9][0-9] ' "$TMP/5-down.swaks" &&
	    ! grep -q '^<\*\* *5[0-9][0-9] ' "$TMP/5-down.swaks"; then
		ok "$label: temporary failure ($(grep -m1 '^<\*\*' "$TMP/5-down.swaks" | cut -c1-50))"
	else
		bad "$label: want a 4xx reply (swaks exit $SW_RC)"
		show "$TMP/5-down.swaks"
	fi
	sleep 0.5
	if [ "$(ndelivered)" = "$before" ]; then
		ok "$label: nothing delivered"
	else
		bad "$label: $(($(ndelivered) - before)) delivered without the milter"
	fi
}

# ---- Postfix

postfix_start() {
	local t=$1 sport=$2 mport=$3 extra=${4:-} a
	local listen=${PFX_LISTEN:-127.0.0.1}
	mkdir -p "$t/etc" "$t/spool" "$t/data" "$t/mail"
	chown postfix "$t/data"
	chown nobody:nogroup "$t/mail"	# virtual(8) delivers as nobody
	cat >"$t/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $t/spool
data_directory = $t/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = $t
maillog_file = $t/maillog
myhostname = mx.sink.test
mydomain = sink.test
myorigin = \$myhostname
mydestination =
inet_interfaces = $(echo $listen | tr ' ' ',')
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no
# no DNS, nothing leaves
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
default_transport = error:no outbound mail in tests
relay_transport = error:no outbound mail in tests
alias_maps =
alias_database =
local_recipient_maps =
# every recipient in sink.test -> one Maildir, $t/mail/sink/
virtual_mailbox_domains = sink.test
virtual_mailbox_base = $t/mail
virtual_mailbox_maps = static:sink/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_milters = inet:127.0.0.1:$mport
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 5s
milter_command_timeout = 20s
milter_content_timeout = 30s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
$extra
CF
	{
		for a in $listen; do
			echo "$a:$sport inet n - n - - smtpd"
		done
		for s in "pickup unix n - n 60 1 pickup" \
		    "cleanup unix n - n - 0 cleanup" \
		    "qmgr unix n - n 300 1 qmgr" \
		    "rewrite unix - - n - - trivial-rewrite" \
		    "bounce unix - - n - 0 bounce" \
		    "defer unix - - n - 0 bounce" \
		    "trace unix - - n - 0 bounce" \
		    "verify unix - - n - 1 verify" \
		    "flush unix n - n 1000? 0 flush" \
		    "proxymap unix - - n - - proxymap" \
		    "smtp unix - - n - - smtp" \
		    "showq unix n - n - - showq" \
		    "error unix - - n - - error" \
		    "retry unix - - n - - error" \
		    "discard unix - - n - - discard" \
		    "virtual unix - n n - - virtual" \
		    "anvil unix - - n - 1 anvil" \
		    "scache unix - - n - 1 scache" \
		    "postlog unix-dgram n - n - 1 postlogd"; do
			echo "$s"
		done
	} >"$t/etc/master.cf"
	# a just-written main.cf makes postfix(1) wait about 2 s
	touch -d '-1 minute' "$t/etc/main.cf" "$t/etc/master.cf"
	# postfix(1) prints errors only to a TTY: show them through script(1)
	if ! postfix -c "$t/etc" check >/dev/null 2>&1; then
		script -qc "postfix -c '$t/etc' check" /dev/null >&2
		die "postfix check fails"
	fi
	postfix -c "$t/etc" start >/dev/null 2>&1 ||
	    { tail -5 "$t/maillog" >&2; die "postfix start fails"; }
	for a in $listen; do
		wait_port "$sport" "$a" || {
			tail -5 "$t/maillog" >&2
			die "postfix does not listen on $a:$sport"
		}
	done
	MAILDIR=$t/mail/sink/new
}

postfix_stop() {
	if [ -s "$1/spool/pid/master.pid" ]; then
		kill -TERM "$(tr -d ' ' <"$1/spool/pid/master.pid")" \
		    2>/dev/null || true
	fi
}

send() {
	local name=$1 addr=$2 from=$3
	shift 3
	swaks --server 127.0.0.1 --port "$SPORT" --timeout 30 \
	    --ehlo client.example --xclient-addr "$addr" \
	    --from "$from" --to bob@sink.test "$@" \
	    >"$TMP/$name.swaks" 2>&1
	SW_RC=$?
}

milter_cleanup() {
	[ -n "${TMP:-}" ] || return 0
	postfix_stop "$TMP"
	mauthd_stop
	[ -n "${NSD_PID:-}" ] && kill -TERM "$NSD_PID" 2>/dev/null
	sleep 0.2
	rm -rf "$TMP"
}
