#!/usr/bin/env bash
# Output is bit-for-bit identical with 1 and 2 threads (and across repeated runs).
. "$(dirname "$0")/lib.sh"
"$CSSIM" run scenarios/baseline.yaml -o "$TMP/j1.h5" -n 6 -j 1 "${SMALL[@]}"
"$CSSIM" run scenarios/baseline.yaml -o "$TMP/j2.h5" -n 6 -j 2 "${SMALL[@]}"
/usr/bin/python3 tests/tools/h5same.py "$TMP/j1.h5" "$TMP/j2.h5" || fail "1 and 2 threads differ"
echo "ok: identical with 1 and 2 threads"
