#!/bin/sh
# dkimpy_diff.sh - the differential test: dkimpy signs and verifies
# (dkimpy_diff.py), then mauth verifies the same files (dkimpy_diff).
#   dkimpy_diff.sh PYTHON SCRIPT KEYDIR BINARY
set -eu
python=$1 script=$2 keydir=$3 bin=$4
dir=$(mktemp -d "${TMPDIR:-/tmp}/mauth-dkimpy.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$python" "$script" "$keydir" "$dir"
"$bin" "$dir"
