# lib.sh - pieces shared by the e2e and command-line shell drivers; sourced
# (". lib.sh") after the driver has set E2E_NAME, never run on its own.
#
# Counting: ok/bad print one line each and count; e2e_done prints the
# closing "N passed, N failed" and is the driver's last command, so the
# driver exits 1 on any failure.

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

# die MESSAGE - a failure that ends the run (setup could not be made)
die() {
	echo "$E2E_NAME: FAIL: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# e2e_done - the closing line; true when nothing failed
e2e_done() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
}

# e2e_enter_ns SCRIPT ARGS... - run SCRIPT again inside a private network,
# mount and PID namespace (unshare -n -m -p -f), so no query leaves the
# machine and no daemon outlives the run; returns only once inside, with
# lo up.  Never skips: no namespaces (not root) is a failure.
e2e_enter_ns() {
	local script=$1
	shift
	if [ "${MAUTH_E2E_IN_NS:-}" != 1 ]; then
		for tool in unshare ip nsd nsd-checkzone nsd-checkconf dig jq; do
			command -v "$tool" >/dev/null ||
			    die "'$tool' not found (run scripts/install-deps)"
		done
		unshare -n -m -p -f --mount-proc -- true ||
		    die "cannot create private namespaces with unshare -n -m -p -f (needs root or user namespaces)"
		exec unshare -n -m -p -f --mount-proc -- \
		    env MAUTH_E2E_IN_NS=1 bash "$script" "$@"
	fi
	ip link set lo up || die "cannot bring lo up in the namespace"
}

# e2e_nsd_start ZONE FILE [SERVER_LINES] - NSD serving the zone file ZONE
# (copied to $TMP/FILE) as "test." on 127.0.0.1:$PORT, with SERVER_LINES
# added to its server: clause; sets NSD_PID and waits until it answers.
e2e_nsd_start() {
	local zone=$1 file=$2 extra=${3:-} ready=0
	nsd-checkzone test. "$zone" >/dev/null || die "NSD rejects $zone"
	cp "$zone" "$TMP/$file"
	cat >"$TMP/nsd.conf" <<CONF
server:
	ip-address: 127.0.0.1@$PORT
$extra
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: "$TMP"
	database: ""
	zonelistfile: "$TMP/zone.list"
	xfrdfile: "$TMP/xfrd.state"
	xfrdir: "$TMP"
	pidfile: "$TMP/nsd.pid"
	logfile: "$TMP/nsd.log"
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: "test."
	zonefile: "$file"
CONF
	nsd-checkconf "$TMP/nsd.conf" ||
	    die "nsd-checkconf rejects our nsd.conf"
	nsd -d -c "$TMP/nsd.conf" >>"$TMP/nsd.log" 2>&1 &
	NSD_PID=$!
	for _ in $(seq 1 200); do
		if dig +short +time=1 +tries=1 @127.0.0.1 -p "$PORT" test. SOA \
		    2>/dev/null | grep -q hostmaster; then
			ready=1
			break
		fi
		kill -0 "$NSD_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ $ready != 1 ]; then
		cat "$TMP/nsd.log" >&2 || true
		die "NSD did not answer on 127.0.0.1:$PORT"
	fi
}

# e2e_judge RC WANT MATCHED PATTERN - why a run of mauth (exit status RC, output in
# $TMP/out and $TMP/err) is bad, printed; nothing when it is good.  MATCHED
# is 1 when the output matched the case's PATTERN.  Checked: no crash, no
# sanitizer report, the exit status, the pattern, exit 2 comes with exactly
# one "mauth: error:" line on stderr and nothing on stdout, no control byte
# other than newline on stdout.
e2e_judge() {
	local rc=$1 want=$2 matched=$3 pat=$4
	if [ "$rc" -ge 128 ]; then
		echo "crashed (exit $rc)"
	elif grep -q -E 'Sanitizer|runtime error:' "$TMP/err"; then
		echo "sanitizer report"
	elif [ "$rc" != "$want" ]; then
		echo "exit $rc, want $want"
	elif [ "$matched" != 1 ]; then
		echo "output does not match /$pat/"
	elif [ "$want" = 2 ] && { [ "$(wc -l <"$TMP/err")" != 1 ] ||
	    ! grep -q '^mauth: error: ' "$TMP/err" || [ -s "$TMP/out" ]; }; then
		echo "an error must be one 'mauth: error:' line on stderr"
	elif tr -d '\n' <"$TMP/out" | grep -q '[[:cntrl:]]'; then
		echo "control bytes on stdout"
	fi
}
