#!/bin/bash
# run.sh - mauthd tests: start the daemon (foreground, stderr log, DNS from
# testdata/verify/sample.zone through dns_zone_file) on a unix socket in a
# temporary directory and drive it with miltertest Lua scripts; or check
# configurations with `mauthd -n`.
#
#   run.sh BUILD_DIR SOURCE_DIR miltertest|config
#
# Prints one line per case and "N passed, N failed"; exit 1 on a failure.
# Teardown uses SIGKILL: libmilter's clean stop takes up to 5 s.
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
what=$3
mauthd=$build/mauthd
mauth=$build/mauth
pass=0
failn=0
tmp=$(mktemp -d /tmp/mauthd-test.XXXXXX)
pid=

cleanup() {
	if [ -n "$pid" ]; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; failn=$((failn + 1)); }

# write_conf FILE [EXTRA LINES] - the test configuration
write_conf() {
	local f=$1
	shift
	cat >"$f" <<EOC
socket = "unix:$tmp/mauthd.sock"
authserv_id = "mx.example.test"
internal_networks = { "127.0.0.0/8", "::1/128" }
sign {
	domain = "bank.test"
	selector = "rsa1"
	key = "$src/testdata/verify/keys/rsa2048.pem"
}
sign {
	domain = "bank.test"
	selector = "ed1"
	key = "$src/testdata/verify/keys/ed25519.pem"
}
dns_zone_file = "$src/testdata/verify/sample.zone"
log = "stderr"
EOC
	for l in "$@"; do
		echo "$l" >>"$f"
	done
}

# mt NAME SCRIPT - run one miltertest script
mt() {
	local out
	if out=$(miltertest -D sock="unix:$tmp/mauthd.sock" -D src="$src" \
	    -D out="$tmp" -D pid="${pid:-0}" -s "$src/tests/milter/$2" 2>&1); then
		ok "$1"
	else
		ko "$1"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
}

# logline QID - the daemon's log line for one message
logline() { grep " $1: " "$tmp/mauthd.log" | tail -1; }

start() {
	"$mauthd" -f -c "$1" 2>"$tmp/mauthd.log" &
	pid=$!
	for _ in $(seq 100); do
		[ -S "$tmp/mauthd.sock" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "mauthd did not start:"
	sed 's/^/    /' "$tmp/mauthd.log"
	return 1
}

stop() {
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	rm -f "$tmp/mauthd.sock"
}

run_miltertest() {
	command -v miltertest >/dev/null ||
	    { echo "miltertest is not installed (scripts/install-deps)"; exit 1; }
	write_conf "$tmp/test.conf" "rules_file = \"$src/rules/default.rules\""
	start "$tmp/test.conf" || { ko "mauthd start"; return; }
	if [ "$(stat -c %a "$tmp/mauthd.sock")" = 660 ]; then
		ok "unix socket mode 0660 (socket_mode default)"
	else
		ko "unix socket mode: $(stat -c %a "$tmp/mauthd.sock"), want 660"
	fi

	# (a) outgoing: signed (RSA + Ed25519), the result verifies
	mt "sign: internal client, authenticated client; foreign From verified" sign.lua
	if [ -f "$tmp/signed.eml" ] &&
	    v=$("$mauth" verify --zone "$src/testdata/verify/sample.zone" \
	    --quiet "$tmp/signed.eml" 2>&1) &&
	    [ "$(printf '%s\n' "$v" | grep -c 'dkim=pass')" -ge 2 ] &&
	    printf '%s\n' "$v" | grep -q 'dmarc=pass'; then
		ok "sign: the signed message verifies with mauth verify (2 x dkim=pass, dmarc=pass)"
	else
		ko "sign: the signed message verifies with mauth verify"
		printf '%s\n' "${v:-no signed.eml}" | sed 's/^/    /'
	fi
	# and with dkimpy (Debian python3-dkim), keys from the same zone
	if /usr/bin/python3 -c 'import dkim' 2>/dev/null; then
		sed -n 's/^\([a-z0-9_.]*_domainkey\.bank\)[[:space:]]\{1,\}TXT[[:space:]]\{1,\}\(.*\)$/\1.test. IN TXT \2/p' \
		    "$src/testdata/verify/sample.zone" >"$tmp/keys.zone"
		d=$(/usr/bin/python3 "$src/tests/interop/sign_dkimpy.py" \
		    "$tmp/keys.zone" "$tmp/signed.eml" 2>&1)
		if [ "$(printf '%s\n' "$d" | grep -c ' pass$')" = 2 ]; then
			ok "sign: dkimpy verifies both signatures"
		else
			ko "sign: dkimpy verifies both signatures"
			printf '%s\n' "$d" | sed 's/^/    /'
		fi
	else
		ko "sign: dkimpy (python3-dkim) is not installed"
	fi
	if logline SIGN1 | grep -q 'signed d=bank.test s=rsa1, d=bank.test s=ed1 outgoing'; then
		ok "sign: log line"
	else
		ko "sign: log line: $(logline SIGN1)"
	fi

	# (b) incoming: one A-R with spf, dkim, dmarc
	mt "verify: incoming pass, spoofed From, unsigned" verify.lua
	if logline VER1 | grep -q 'client=192.0.2.25 from=<alice@bank.test> spf=pass dkim=pass dmarc=pass removed-ar=0 action=accept'; then
		ok "verify: log line"
	else
		ko "verify: log line: $(logline VER1)"
	fi

	# an MTA without SMFIP_HDR_LEADSPC
	mt "no LEADSPC: simple/simple verifies, signing" noleadspc.lua
	if [ -f "$tmp/signed-noleadspc.eml" ] &&
	    v=$("$mauth" verify --zone "$src/testdata/verify/sample.zone" \
	    --quiet "$tmp/signed-noleadspc.eml" 2>&1) &&
	    [ "$(printf '%s\n' "$v" | grep -c 'dkim=pass')" -ge 2 ]; then
		ok "no LEADSPC: the signed message verifies"
	else
		ko "no LEADSPC: the signed message verifies"
		printf '%s\n' "${v:-no file}" | sed 's/^/    /'
	fi

	# (c) forged A-R removed, foreign one kept
	mt "authres: ours (any case, trailing dot) and unreadable removed" authres.lua
	if logline AR1 | grep -q 'removed-ar=2 '; then
		ok "authres: two of three removed (log)"
	else
		ko "authres: two of three removed (log): $(logline AR1)"
	fi

	# (d) the default rules: p=reject rejected, p=quarantine quarantined
	mt "dmarc: default.rules reject / quarantine / accept" dmarc.lua
	if logline DM1 | grep -q 'dmarc=fail .*action=reject 550 5.7.1 rule=.*default.rules:'; then
		ok "dmarc: reject 550 5.7.1 logged with its rule"
	else
		ko "dmarc: reject 550 5.7.1 logged with its rule: $(logline DM1)"
	fi
	if logline DM2 | grep -q 'dmarc=fail .*action=quarantine rule='; then
		ok "dmarc: quarantine logged"
	else
		ko "dmarc: quarantine logged: $(logline DM2)"
	fi

	# reload (SIGUSR1): a broken file keeps the running one; a good one swaps
	cp "$tmp/test.conf" "$tmp/test.conf.good"
	echo "bogus_key = 1" >>"$tmp/test.conf"
	kill -USR1 "$pid"
	sleep 0.3
	if grep -q 'reload.*failed; keeping the running configuration' "$tmp/mauthd.log" &&
	    grep -q "test.conf:.*no such option 'bogus_key'" "$tmp/mauthd.log"; then
		ok "reload: a bad file is refused with file:line, old config kept"
	else
		ko "reload: a bad file is refused"
	fi
	mt "reload: still signing after a failed reload" sign.lua
	cp "$tmp/test.conf.good" "$tmp/test.conf"
	kill -USR1 "$pid"
	sleep 0.3
	if grep -q 'reloaded .*generation 2' "$tmp/mauthd.log"; then
		ok "reload: a good file is swapped in (generation 2)"
	else
		ko "reload: a good file is swapped in"
	fi
	mt "reload: verifying after the reload" verify.lua

	# concurrency: 8 clients at once (sign + verify scripts) while the
	# configuration is reloaded 5 times
	pids=()
	for j in 1 2 3 4 5 6 7 8; do
		mkdir -p "$tmp/c$j"
		s=verify.lua
		[ $((j % 2)) = 0 ] && s=sign.lua
		miltertest -D sock="unix:$tmp/mauthd.sock" -D src="$src" \
		    -D out="$tmp/c$j" -D pid=0 -s "$src/tests/milter/$s" \
		    >"$tmp/c$j/out" 2>&1 &
		pids+=($!)
	done
	for _ in 1 2 3 4 5; do
		kill -USR1 "$pid"
		sleep 0.1
	done
	bad=0
	for p in "${pids[@]}"; do
		wait "$p" || bad=$((bad + 1))
	done
	if [ $bad = 0 ] && kill -0 "$pid" 2>/dev/null; then
		ok "concurrency: 8 clients during 5 reloads"
	else
		ko "concurrency: $bad of 8 clients failed"
		cat "$tmp"/c*/out | grep FAIL | head -5 | sed 's/^/    /'
	fi

	# a clean stop (SIGTERM; libmilter takes up to 5 s) with no sanitizer
	# report (leaks are reported at exit in the Asan build)
	kill -TERM "$pid"
	for _ in $(seq 80); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! kill -0 "$pid" 2>/dev/null && wait "$pid"; then
		ok "SIGTERM: clean stop, exit 0"
	else
		ko "SIGTERM: clean stop, exit 0"
	fi
	pid=
	if grep -q 'Sanitizer\|runtime error' "$tmp/mauthd.log"; then
		ko "no sanitizer report"
		grep -A20 'Sanitizer\|runtime error' "$tmp/mauthd.log" | head -40
	else
		ok "no sanitizer report"
	fi
	rm -f "$tmp/mauthd.sock"

	# reload with a message in flight: old key for it, new key after
	write_conf "$tmp/rl.conf" "log_debug = true"
	# keep only the first sign { } (rsa1) for the start
	awk '/^sign \{/ { n++ } n == 2 && /^sign \{/ { skip = 1 }
	    skip { if (/^}/) skip = 0; next } { print }' "$tmp/rl.conf" \
	    >"$tmp/rl1.conf"
	start "$tmp/rl1.conf" || { ko "mauthd start (reload)"; return; }
	# the file the reload will read: only the ed1 entry
	awk '/^sign \{/ { n++ } n == 1 && /^sign \{/ { skip = 1 }
	    skip { if (/^}/) skip = 0; next } { print }' "$tmp/rl.conf" \
	    >"$tmp/rl2.conf"
	cp "$tmp/rl2.conf" "$tmp/rl1.conf"
	mt "reload: in-flight message keeps the old key, next uses the new" reload.lua
	if logline RL1 | grep -q 'signed d=bank.test s=rsa1 outgoing' &&
	    logline RL2 | grep -q 'signed d=bank.test s=ed1 outgoing'; then
		ok "reload: log lines (RL1 s=rsa1, RL2 s=ed1)"
	else
		ko "reload: log lines: $(logline RL1) / $(logline RL2)"
	fi
	stop

	# SPF at MAIL FROM: the results are logged (log_debug) before the
	# headers come; an internal client's message waits for them
	write_conf "$tmp/spf.conf" "log_debug = true"
	start "$tmp/spf.conf" || { ko "mauthd start (spf)"; return; }
	mt "spf at MAIL FROM: outside clients checked there, internal deferred" spf_mailfrom.lua
	stop

	# DNS down (a server that never answers): the rules' tempfail within
	# the per-message DNS time bound (dns_time_ms = 1500)
	bh=$build/tests/tools/dns_blackhole
	if [ -x "$bh" ]; then
		port=$((20000 + RANDOM % 20000))
		"$bh" 127.0.0.1 $port 60 >"$tmp/bh.out" &
		bhpid=$!
		for _ in $(seq 50); do
			grep -q ready "$tmp/bh.out" && break
			sleep 0.05
		done
		write_conf "$tmp/dns.conf" \
		    "rules_file = \"$src/rules/default.rules\"" \
		    "dns_servers = { \"127.0.0.1:$port\" }" \
		    "dns_timeout_ms = 300" "dns_retries = 1" "dns_time_ms = 1500"
		sed -i '/^dns_zone_file/d' "$tmp/dns.conf"
		start "$tmp/dns.conf" || { ko "mauthd start (dns)"; return; }
		t0=$(date +%s%N)
		mt "DNS down: tempfail, not accept" dnsdown.lua
		el=$(( ($(date +%s%N) - t0) / 1000000 ))
		if [ $el -lt 4000 ] &&
		    logline DNS1 | grep -q 'temperror.*action=tempfail 451 4.4.3'; then
			ok "DNS down: tempfail 451 4.4.3 in $el ms (bound 1500 ms of DNS)"
		else
			ko "DNS down: $el ms: $(logline DNS1)"
		fi
		stop
		kill "$bhpid" 2>/dev/null
		wait "$bhpid" 2>/dev/null
	else
		ko "DNS down: $bh not built"
	fi

	# failsafe: a message that cannot be checked is tempfailed
	write_conf "$tmp/fs.conf" "max_headers = 10"
	start "$tmp/fs.conf" || { ko "mauthd start (failsafe)"; return; }
	mt "failsafe: over max_headers -> tempfail at end of message" failsafe.lua
	if logline FS1 | grep -q 'not checked (header limit): failsafe action=tempfail'; then
		ok "failsafe: logged"
	else
		ko "failsafe: logged: $(logline FS1)"
	fi
	stop

	run_daemon
}

# run_daemon - in the background (no -f) as root: pid file, the switch to
# user nobody, the socket handed to it; mail flows; a reload as nobody
# reads keys it owns; SIGTERM removes the pid file
run_daemon() {
	local d=$tmp/run dpid uid sock n
	id nobody >/dev/null 2>&1 || { ko "daemon: no user nobody"; return; }
	uid=$(id -u nobody)
	mkdir -p "$d"
	cp "$src/testdata/verify/keys/rsa2048.pem" \
	    "$src/testdata/verify/keys/ed25519.pem" "$d/"
	write_conf "$d/mauthd.conf" 'user = "nobody"' \
	    "pidfile = \"$d/mauthd.pid\""
	sed -i "s#$src/testdata/verify/keys/#$d/#" "$d/mauthd.conf"
	chown -R nobody "$d"
	chmod 700 "$d"
	chmod 711 "$tmp"	# nobody must reach $d to reload and unlink
	chmod 600 "$d"/*.pem
	sock=$tmp/mauthd.sock
	if ! "$mauthd" -c "$d/mauthd.conf" 2>"$tmp/mauthd.log"; then
		ko "daemon: mauthd -c (background) failed"
		sed 's/^/    /' "$tmp/mauthd.log"
		return
	fi
	for _ in $(seq 100); do
		[ -s "$d/mauthd.pid" ] && [ -S "$sock" ] && break
		sleep 0.05
	done
	dpid=$(cat "$d/mauthd.pid" 2>/dev/null)
	if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null &&
	    [ "$(ps -o ppid= -p "$dpid" | tr -d ' ')" != $$ ]; then
		ok "daemon: in the background, pid file $dpid"
	else
		ko "daemon: no running process from the pid file ('$dpid')"
		return
	fi
	if [ "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$dpid/status")" = \
	    "$uid$uid$uid$uid" ] &&
	    [ "$(awk '/^Groups:/ { print $2 }' "/proc/$dpid/status")" != 0 ]; then
		ok "daemon: runs as nobody (uid $uid, no root group)"
	else
		ko "daemon: ids: $(grep -E '^(Uid|Gid|Groups):' "/proc/$dpid/status" | tr '\n' ' ')"
	fi
	if [ "$(stat -c %U "$sock")" = nobody ]; then
		ok "daemon: the socket belongs to nobody"
	else
		ko "daemon: socket owner $(stat -c %U "$sock")"
	fi
	pid=$dpid
	mt "daemon: signing as nobody" sign.lua
	# a reload as nobody: a changed file (max_headers) with its keys
	echo "max_headers = 500" >>"$d/mauthd.conf"
	n=$(grep -c 'reloaded' "$tmp/mauthd.log")
	kill -USR1 "$dpid"
	for _ in $(seq 60); do
		[ "$(grep -c 'reloaded' "$tmp/mauthd.log")" -gt "$n" ] && break
		sleep 0.05
	done
	if [ "$(grep -c 'reloaded' "$tmp/mauthd.log")" -gt "$n" ]; then
		ok "daemon: reload as nobody (keys owned by nobody)"
	else
		ko "daemon: reload as nobody: $(tail -3 "$tmp/mauthd.log")"
	fi
	mt "daemon: signing after the reload" sign.lua
	kill -TERM "$dpid"
	for _ in $(seq 80); do
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	if ! kill -0 "$dpid" 2>/dev/null && [ ! -e "$d/mauthd.pid" ]; then
		ok "daemon: SIGTERM stops it and removes the pid file"
	else
		ko "daemon: after SIGTERM: running or pid file left"
		kill -KILL "$dpid" 2>/dev/null
	fi
	pid=
	rm -f "$sock"
}

# ncheck NAME WANT_RC PATTERN CONF - mauthd -n on one file
ncheck() {
	local out rc
	out=$("$mauthd" -n -c "$4" 2>&1)
	rc=$?
	if [ "$rc" = "$2" ] && printf '%s\n' "$out" | grep -q -- "$3"; then
		ok "$1"
	else
		ko "$1: rc $rc (want $2), output:"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
}

run_config() {
	write_conf "$tmp/good.conf"
	ncheck "-n: good file" 0 "good.conf: configuration OK" "$tmp/good.conf"
	(cd "$src" && "$mauthd" -n -c testdata/milter/mauthd.conf >/dev/null 2>&1) &&
	    ok "-n: testdata/milter/mauthd.conf" ||
	    ko "-n: testdata/milter/mauthd.conf"
	"$mauthd" --print-config-doc >"$tmp/doc.conf"
	ncheck "-n: the generated documentation parses (all defaults)" 0 \
	    "configuration OK" "$tmp/doc.conf"
	if cmp -s "$tmp/doc.conf" "$src/testdata/milter/mauthd-defaults.conf"; then
		ok "testdata/milter/mauthd-defaults.conf is up to date"
	else
		ko "testdata/milter/mauthd-defaults.conf is stale: regenerate" \
		    "with mauthd --print-config-doc"
	fi
	write_conf "$tmp/unknown.conf" "max_headerz = 10"
	ncheck "-n: unknown key, file:line" 2 \
	    "unknown.conf:16: no such option 'max_headerz'" "$tmp/unknown.conf"
	write_conf "$tmp/range.conf" "dns_retries = 99"
	ncheck "-n: out of range, file:line" 2 \
	    "range.conf:16: dns_retries: 99 is out of range \[1, 10\]" \
	    "$tmp/range.conf"
	write_conf "$tmp/mode.conf" "socket_mode = 01777"
	ncheck "-n: octal out of range, file:line" 2 \
	    "mode.conf:16: socket_mode: 01777 is out of range \[0, 0777\]" \
	    "$tmp/mode.conf"
	write_conf "$tmp/enum.conf" 'failsafe = "drop"'
	ncheck "-n: bad choice, file:line" 2 \
	    "enum.conf:16: failsafe: 'drop' is not one of: tempfail, accept, reject" \
	    "$tmp/enum.conf"
	write_conf "$tmp/cidr.conf" 'internal_networks = { "10.0.0.0/8", "10.1.0.0/40" }'
	ncheck "-n: bad network, file:line" 2 \
	    "cidr.conf:16: internal_networks: '10.1.0.0/40'" "$tmp/cidr.conf"
	write_conf "$tmp/two.conf" "dns_retries = 0" "mode = \"both\""
	out=$("$mauthd" -n -c "$tmp/two.conf" 2>&1)
	[ "$(printf '%s\n' "$out" | grep -c 'two.conf:1[67]:')" = 2 ] &&
	    ok "-n: every error is reported (2)" ||
	    ko "-n: every error is reported: $out"
	write_conf "$tmp/sec.conf" 'sign {' ' domain = "*.bad..name"' '}'
	ncheck "-n: sign section: bad domain and missing keys" 2 \
	    "sec.conf:17: domain: '\*.bad..name'" "$tmp/sec.conf"
	write_conf "$tmp/key.conf" 'sign {' ' domain = "x.test"' \
	    ' selector = "s"' " key = \"$tmp/nokey.pem\"" '}'
	ncheck "-n: unreadable key named" 2 "sign x.test selector s:" \
	    "$tmp/key.conf"
	write_conf "$tmp/rules.conf" "rules_file = \"$tmp/bad.rules\""
	printf 'accept\nfrobnicate if spf=pass\n' >"$tmp/bad.rules"
	ncheck "-n: bad rules file, its file:line" 2 "bad.rules:2:" \
	    "$tmp/rules.conf"
	ncheck "-n: missing file" 2 "nonexistent.conf" "$tmp/nonexistent.conf"
}

case $what in
miltertest) run_miltertest ;;
config) run_config ;;
*) echo "usage: run.sh BUILD_DIR SOURCE_DIR miltertest|config" >&2; exit 2 ;;
esac
echo "$pass passed, $failn failed"
[ "$failn" = 0 ]
