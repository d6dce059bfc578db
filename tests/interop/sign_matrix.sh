#!/bin/bash
# sign_matrix.sh - "mauth sign" against three verifiers, offline.
#
# usage: sign_matrix.sh MAUTH SRCDIR
#
# Keys are made here with "mauth keygen" (RSA 2048, Ed25519) and published
# in a zone file.  For each algorithm x header canonicalization x body
# canonicalization x body (empty, only blank lines, no final newline,
# trailing white space, 5,000-byte lines, 8-bit UTF-8, bare-LF input, a
# ~2 MB base64 attachment), and for a dual RSA + Ed25519 signature (--also),
# the signed message must pass with
#   (a) mauth verify --zone (libopendkim),
#   (b) dkimpy (Debian python3-dkim, /usr/bin/python3),
#   (c) Mail::DKIM (Debian libmail-dkim-perl; RSA only: the Debian 12
#       version, 1.20230212, knows no ed25519-sha256 and refuses k=ed25519),
# and a copy with one body byte changed, and one with the Subject changed,
# must fail with all of them.  Where a verifier departs from RFC 6376 the
# case is listed in sign_divergences.tsv (its result, the RFC reason) and
# still checked.  One line per failed check; the closing line
# "N passed, N failed" (and one count line per verifier).  Exits 1 on any
# failure.
set -euo pipefail
export LC_ALL=C

if [ $# -ne 2 ]; then
	echo "usage: sign_matrix.sh MAUTH SRCDIR" >&2
	exit 2
fi
MAUTH=$(realpath "$1")
SRC=$(realpath "$2")
HERE=$SRC/tests/interop
PY=/usr/bin/python3
TMP=$(mktemp -d /tmp/mauth-signmx.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

PASS=0
FAIL=0
declare -A VPASS VFAIL
for v in mauth dkimpy mdkim setup; do
	VPASS[$v]=0
	VFAIL[$v]=0
done
ok() {
	PASS=$((PASS + 1))
	VPASS[$1]=$((VPASS[$1] + 1))
}
bad() {
	FAIL=$((FAIL + 1))
	VFAIL[$1]=$((VFAIL[$1] + 1))
	shift
	echo "FAIL $*"
}

# ---- keys and zone ------------------------------------------------------
D=sign.test
mkdir -p "$TMP/keys" "$TMP/msgs"
if "$MAUTH" keygen --domain $D --selector rsa1 --type rsa --bits 2048 \
    --out "$TMP/keys" >"$TMP/kg.out" 2>"$TMP/kg.err" &&
    grep -q '^rsa1\._domainkey\.sign\.test\. IN TXT ( "v=DKIM1; k=rsa; p=' \
    "$TMP/kg.out" && cmp -s "$TMP/kg.out" "$TMP/keys/rsa1.txt"; then
	ok setup
else
	bad setup "keygen rsa: $(cat "$TMP/kg.err")"
fi
if "$MAUTH" keygen --domain $D --selector ed1 --type ed25519 \
    --out "$TMP/keys" >"$TMP/kg.out" 2>"$TMP/kg.err" &&
    grep -q '^ed1\._domainkey\.sign\.test\. IN TXT ( "v=DKIM1; k=ed25519; p=' \
    "$TMP/kg.out"; then
	ok setup
else
	bad setup "keygen ed25519: $(cat "$TMP/kg.err")"
fi
ZONE=$TMP/keys.zone
{
	printf '$ORIGIN test.\n$TTL 300\n'
	printf '@\tSOA\tns.test. hostmaster.test. 1 3600 600 86400 300\n'
	printf '@\tNS\tns.test.\nns\tA\t127.0.0.1\n'
	cat "$TMP/keys/rsa1.txt" "$TMP/keys/ed1.txt"
} >"$ZONE"

# ---- message bodies -----------------------------------------------------
hdr() {	# hdr EOL [CHARSET]
	local e=$1 cs=${2:-us-ascii}
	printf 'From: Alice <alice@sign.test>%sTo: Bob <bob@sink.test>%s' "$e" "$e"
	printf 'Subject: Test message%sDate: Thu, 26 Nov 2026 10:00:00 +0000%s' "$e" "$e"
	printf 'Message-ID: <m1@sign.test>%sMIME-Version: 1.0%s' "$e" "$e"
	printf 'Content-Type: text/plain; charset=%s%s' "$cs" "$e"
}
B=$TMP/bodies
mkdir -p "$B"
{ hdr $'\r\n'; printf '\r\n'; } >"$B/empty"
{ hdr $'\r\n'; printf '\r\n\r\n\r\n\r\n'; } >"$B/blank"
{ hdr $'\r\n'; printf '\r\nHello,\r\nno final newline'; } >"$B/nofinal"
{ hdr $'\r\n'; printf '\r\nline with trailing  \t\r\n  two  inner   spaces \r\n\t\r\nend \t \r\n \r\n'; } >"$B/trailws"
{
	hdr $'\r\n'
	printf '\r\n'
	head -c 5000 /dev/zero | tr '\0' 'a'
	printf '\r\n'
	for i in $(seq 1 500); do printf 'word%d  ' "$i"; done
	printf '\r\nshort\r\n'
} >"$B/longlines"
{
	hdr $'\r\n' utf-8
	printf 'Content-Transfer-Encoding: 8bit\r\n\r\n'
	printf 'Gr\xc3\xbc\xc3\x9fe aus M\xc3\xbcnchen \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x93\xa7\r\n'
	printf '\xc3\xa9t\xc3\xa9 \r\n'
} >"$B/utf8"
{ hdr $'\n'; printf '\nbare LF body\nsecond line  \n\n\n'; } >"$B/barelf"
{
	printf 'From: Alice <alice@sign.test>\r\nTo: Bob <bob@sink.test>\r\n'
	printf 'Subject: Test message\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n'
	printf 'Message-ID: <m2@sign.test>\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
	printf -- '--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n'
	printf -- '--b1\r\nContent-Type: application/octet-stream\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	head -c 1500000 /dev/urandom | base64 -w 76 | sed 's/$/\r/'
	printf -- '--b1--\r\n'
} >"$B/attach"
BODIES="empty blank nofinal trailws longlines utf8 barelf attach"

# tamper MODE IN OUT - change one body byte (a letter or digit; an empty
# body gets one line) or the Subject
tamper() {
	perl -e '
		my ($mode, $in, $out) = @ARGV;
		open(my $f, "<:raw", $in) or die; local $/; my $m = <$f>;
		$m =~ /\r?\n\r?\n/ or die "no body";
		my ($h, $sep, $b) = ($`, $&, $'"'"');
		if ($mode eq "body") {
			$b =~ s/([A-Za-z0-9])/$1 eq "x" ? "y" : "x"/e
			    or $b .= "tampered\r\n";
		} else {
			$h =~ s/^Subject: Test/Subject: Tost/m or die "no Subject";
		}
		open(my $o, ">:raw", $out) or die; print $o $h, $sep, $b;
	' "$1" "$2" "$3"
}

# ---- divergences: verifier body bcanon variant -> expected result --------
declare -A DIV
while IFS=$'\t' read -r v body bc var want reason; do
	case $v in ''|\#*) continue ;; esac
	DIV["$v $body $bc $var"]=$want
done <"$HERE/sign_divergences.tsv"

# ---- sign ---------------------------------------------------------------
# expectations: FILE SELECTOR VERIFIER WANT
EXP=$TMP/expect
: >"$EXP"
RK=$TMP/keys/rsa1.private
EK=$TMP/keys/ed1.private
for kind in rsa ed dual; do
	case $kind in
	rsa)	args=(--selector rsa1 --key "$RK" --algorithm rsa-sha256)
		sels="rsa1" ;;
	ed)	args=(--selector ed1 --key "$EK" --algorithm ed25519-sha256)
		sels="ed1" ;;
	dual)	args=(--selector rsa1 --key "$RK" --also "$D:ed1:$EK")
		sels="rsa1 ed1" ;;
	esac
	for hc in simple relaxed; do
		for bc in simple relaxed; do
			for body in $BODIES; do
				n=${kind}_${hc}-${bc}_$body
				f=$TMP/msgs/$n.ok.eml
				if ! "$MAUTH" sign --domain $D "${args[@]}" \
				    --canon $hc/$bc "$B/$body" >"$f" \
				    2>"$TMP/sign.err"; then
					bad setup "$n: sign: $(cat "$TMP/sign.err")"
					rm -f "$f"
					continue
				fi
				tamper body "$f" "$TMP/msgs/$n.tbody.eml"
				tamper head "$f" "$TMP/msgs/$n.thead.eml"
				for var in ok tbody thead; do
					for s in $sels; do
						for v in mauth dkimpy mdkim; do
							[ $v != mdkim ] || [ $s = rsa1 ] ||
							    continue
							want=pass
							[ $var = ok ] || want=fail
							w=${DIV["$v $body $bc $var"]:-}
							[ -z "$w" ] || want=$w
							echo "$n.$var.eml $s $v $want" >>"$EXP"
						done
					done
				done
			done
		done
	done
done

# line-ending preservation: the bare-LF input signed gives LF fields
f=$TMP/msgs/rsa_relaxed-relaxed_barelf.ok.eml
if [ -f "$f" ] && ! grep -q $'\r' "$f"; then ok setup
else bad setup "barelf: CR in the LF output"; fi
f=$TMP/msgs/rsa_relaxed-relaxed_utf8.ok.eml
if [ -f "$f" ] && head -1 "$f" | grep -q $'\r$'; then ok setup
else bad setup "utf8: first line not CRLF in the CRLF output"; fi

# ---- verify, each verifier once over all messages -----------------------
shopt -s nullglob
files=("$TMP"/msgs/*.eml)
RES=$TMP/results
: >"$RES"
"$MAUTH" verify --zone "$ZONE" --json --quiet "${files[@]}" 2>"$TMP/mauth.err" |
    jq -r '(.source.path | split("/") | last) as $f |
	.dkim[] | "\($f) \(.selector) mauth \(if .result == "pass" then "pass" else "fail" end)"' \
    >>"$RES" || bad mauth "mauth verify failed: $(head -3 "$TMP/mauth.err")"
"$PY" "$HERE/sign_dkimpy.py" "$ZONE" "${files[@]}" 2>"$TMP/py.err" |
    sed 's/ \([a-z]*\)$/ dkimpy \1/' >>"$RES" ||
    bad dkimpy "dkimpy run failed: $(head -3 "$TMP/py.err")"
perl "$HERE/sign_mdkim.pl" "$ZONE" "${files[@]}" 2>"$TMP/pl.err" |
    sed 's/ \([a-z]*\)$/ mdkim \1/' >>"$RES" ||
    bad mdkim "Mail::DKIM run failed: $(head -3 "$TMP/pl.err")"

# ---- compare ------------------------------------------------------------
declare -A GOT
while read -r f s v r; do
	GOT["$f $s $v"]=$r
done <"$RES"
while read -r f s v want; do
	got=${GOT["$f $s $v"]:-missing}
	if [ "$got" = "$want" ]; then
		ok "$v"
	else
		bad "$v" "$f s=$s $v: got $got, want $want"
	fi
done <"$EXP"

for v in mauth dkimpy mdkim setup; do
	echo "$v: ${VPASS[$v]} passed, ${VFAIL[$v]} failed"
done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
