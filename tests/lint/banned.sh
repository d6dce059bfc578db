#!/bin/sh
# banned.sh - fail when project C code calls a banned function (style.md):
# strcpy, strcat, sprintf, vsprintf, strtok, atoi, atol, gets.
# Prints "N passed, N failed": one check per source file.
set -u
root=${1:?usage: banned.sh SOURCE_ROOT}
pattern='(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets)[[:space:]]*\('
passed=0
failed=0
for f in $(find "$root/src" "$root/tests" "$root/bench" -name '*.[ch]' 2>/dev/null | sort); do
	if grep -nE "$pattern" "$f" >/tmp/banned.$$ 2>/dev/null; then
		sed "s|^|FAIL $f:|" /tmp/banned.$$
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
done
rm -f /tmp/banned.$$
echo "$passed passed, $failed failed"
[ "$passed" -gt 0 ] && [ "$failed" -eq 0 ]
