#!/usr/bin/env bash
# Output is bit-for-bit identical with 1 and 2 threads (and across repeated runs).
. "$(dirname "$0")/lib.sh"
"$CSSIM" run scenarios/baseline.yaml -o "$TMP/j1.h5" -n 6 -j 1 "${SMALL[@]}"
"$CSSIM" run scenarios/baseline.yaml -o "$TMP/j2.h5" -n 6 -j 2 "${SMALL[@]}"
/usr/bin/python3 tests/tools/h5same.py "$TMP/j1.h5" "$TMP/j2.h5" || fail "1 and 2 threads differ"
echo "ok: identical with 1 and 2 threads"
# ... and whether or not the heap is backed by huge pages (app/heap.c; CSSIM_HEAP_MB=0: malloc
# as it is), which changes where every block lives but must change no result
CSSIM_HEAP_MB=0 "$CSSIM" run scenarios/baseline.yaml -o "$TMP/plain.h5" -n 6 -j 2 "${SMALL[@]}"
/usr/bin/python3 tests/tools/h5same.py "$TMP/j2.h5" "$TMP/plain.h5" || fail "CSSIM_HEAP_MB=0 differs"
echo "ok: identical with and without the huge-page heap"
