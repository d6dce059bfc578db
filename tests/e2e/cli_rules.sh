#!/bin/bash
# cli_rules.sh - "mauth rules check": the shipped rules, files with errors
# (every error as FILE:LINE: reason, exit 2), list files, the --test
# decisions of rules/default.rules, bad arguments.
#
# usage: cli_rules.sh MAUTH SRCDIR
# Prints "N passed, N failed"; exits 1 on any failure.
set -euo pipefail
export LC_ALL=C

if [ $# -ne 2 ]; then
	echo "usage: cli_rules.sh MAUTH SRCDIR" >&2
	exit 2
fi
MAUTH=$(realpath "$1")
SRC=$(realpath "$2")
TMP=$(mktemp -d /tmp/mauth-rules.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
E2E_NAME=cli_rules
. "$SRC/tests/e2e/lib.sh"
cd "$SRC"	# file names in messages are the ones given, relative to here
D=rules/default.rules
R=testdata/rules

# check NAME WANT_STATUS PATTERN ARGS... - run "mauth ARGS...": exit status,
# a pattern over stdout+stderr, no crash or sanitizer report, no control
# bytes on stdout
check() {
	local name=$1 want=$2 pat=$3
	shift 3
	local rc=0 why=
	"$MAUTH" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	cat "$TMP/out" "$TMP/err" >"$TMP/all"
	if [ "$rc" -ge 128 ]; then
		why="crashed (exit $rc)"
	elif grep -q -E 'Sanitizer|runtime error:' "$TMP/err"; then
		why="sanitizer report"
	elif [ "$rc" != "$want" ]; then
		why="exit $rc, want $want"
	elif ! grep -q -E -- "$pat" "$TMP/all"; then
		why="output does not match /$pat/"
	elif tr -d '\n' <"$TMP/out" | grep -q '[[:cntrl:]]'; then
		why="control bytes on stdout"
	fi
	if [ -z "$why" ]; then
		ok "$name"
	else
		bad "$name: $why"
		sed 's/^/     | /' "$TMP/all" | head -20
	fi
}

# the shipped rules
check "default rules OK" 0 "^$D: 8 rules OK\$" rules check $D
check "example list rules OK" 0 "^$R/with-list.rules: 3 rules OK\$" \
    rules check $R/with-list.rules

# bad files: every error with its line, exit 2, nothing on stdout
check "bad.rules line 3" 2 "^$R/bad.rules:3: unknown action 'frobnicate'" \
    rules check $R/bad.rules
check "bad.rules line 4" 2 "^$R/bad.rules:4: unknown spf value 'maybe'" \
    rules check $R/bad.rules
check "bad.rules line 5" 2 "^$R/bad.rules:5: bad SMTP code '450'" \
    rules check $R/bad.rules
check "bad.rules line 6" 2 "^$R/bad.rules:6: bad enhanced status code" \
    rules check $R/bad.rules
check "bad.rules line 7" 2 "^$R/bad.rules:7: unterminated quoted string" \
    rules check $R/bad.rules
check "bad.rules line 8" 2 "^$R/bad.rules:8: unknown condition 'colour'" \
    rules check $R/bad.rules
"$MAUTH" rules check $R/bad.rules >"$TMP/out" 2>"$TMP/err" || true
if [ "$(wc -l <"$TMP/err")" = 6 ] && [ ! -s "$TMP/out" ]; then
	ok "bad.rules: exactly 6 error lines, nothing on stdout"
else
	bad "bad.rules: got $(wc -l <"$TMP/err") error lines, want 6; stdout $(wc -c <"$TMP/out") bytes"
fi
check "bad list entry" 2 \
    "^$R/bad-list.rules:1: list file $R/bad-domains.list line 2: bad domain" \
    rules check $R/bad-list.rules
check "missing list file" 2 "^$R/missing-list.rules:2: list file .*does-not-exist.list" \
    rules check $R/missing-list.rules
check "missing rules file" 2 "^$R/nope.rules: No such file" \
    rules check $R/nope.rules
check "directory" 2 "^$R: not a regular file" rules check $R

# ceilings
{ for i in $(seq 1 10001); do echo accept; done; } >"$TMP/many.rules"
check "too many rules" 2 "many.rules:10001: too many rules" \
    rules check "$TMP/many.rules"
{ printf 'accept #'; head -c 5000 /dev/zero | tr '\0' x; echo; } >"$TMP/long.rules"
check "overlong line" 2 "long.rules:1: line longer than 4096 bytes" \
    rules check "$TMP/long.rules"
printf 'reject "a\r\nb"\n' >"$TMP/crlf.rules"
check "CR inside a reply" 2 "crlf.rules:1: control or non-ASCII byte 0x0d" \
    rules check "$TMP/crlf.rules"

# decisions of the shipped rules
T="rules check $D --test"
check "p=reject fail" 0 \
    '^decision: reject 550 5\.7\.1 "Message rejected by the DMARC policy of a\.example" \(rule 6, rules/default\.rules:21' \
    $T spf=fail,dmarc=fail,dmarc.policy=reject,from=a.example
check "p=quarantine fail" 0 '^decision: quarantine \(rule 7,' \
    $T dmarc=fail,dmarc.policy=quarantine
check "p=none fail" 0 '^decision: accept \(rule 8,' \
    $T dmarc=fail,dmarc.policy=none
check "temperror never rejects" 0 '^decision: tempfail 451 4\.4\.3 ' \
    $T dns=temperror,dmarc=fail,dmarc.policy=reject
check "dmarc pass beats a DNS error" 0 '^decision: accept \(rule 3,' \
    $T dns=temperror,dkim=temperror,dkim=pass,dmarc=pass,dmarc.policy=reject
check "dmarc temperror" 0 '^decision: tempfail 451 4\.4\.3 ' $T dmarc=temperror
check "auth accepted" 0 '^decision: accept \(rule 1,' \
    $T auth,dmarc=fail,dmarc.policy=reject
check "internal accepted" 0 '^decision: accept \(rule 2,' \
    $T internal,dmarc=fail,dmarc.policy=reject
check "pass accepted" 0 '^decision: accept \(rule 3,' \
    $T spf=pass,dkim=pass,dkim.aligned,dmarc=pass,dmarc.policy=reject
check "hostile from escaped" 0 'DMARC policy of a\?b\.example"' \
    $T "dmarc=fail,dmarc.policy=reject,from=a%b.example"
check "list decision" 0 '^decision: accept \(rule 1,' \
    rules check $R/with-list.rules --test dmarc=fail,from=x.partners.example
check "list miss" 0 '^decision: reject 550 5\.7\.1 ' \
    rules check $R/with-list.rules --test dmarc=fail,from=partners.example

# bad arguments
check "no subcommand" 2 '^mauth: error: usage' rules
check "unknown subcommand" 2 '^mauth: error: usage' rules lint $D
check "no file" 2 '^mauth: error: usage' rules check
check "two files" 2 '^mauth: error: one rules file' rules check $D $D
check "bad fact" 2 "^mauth: error: --test: bad fact 'spf=maybe'" $T spf=maybe
check "unknown fact" 2 "^mauth: error: --test: bad fact 'colour=red'" \
    $T colour=red
check "--test without value" 2 '^mauth: error: --test needs FACTS' \
    rules check $D --test
check "help" 0 '^usage: mauth rules check' help rules

e2e_done
