#!/usr/bin/env bash
# A run killed with SIGKILL part-way and resumed gives datasets identical to an uninterrupted run.
. "$(dirname "$0")/lib.sh"
# --commit-events 0: a commit every 16 replications, so that the kill leaves a committed prefix
args=(scenarios/baseline.yaml -n 40 -j 2 --set time.horizon_years=4 --set authorities.limit=60 -q
  --commit-events 0)
"$CSSIM" run "${args[@]}" -o "$TMP/full.h5"
"$CSSIM" run "${args[@]}" -o "$TMP/cut.h5" &
pid=$!
# wait until some replications are committed, then kill without warning
for _ in $(seq 200); do
  [ -e "$TMP/cut.h5.part" ] && [ "$(stat -c %s "$TMP/cut.h5.part")" -gt 200000 ] && break
  sleep 0.05
done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ -e "$TMP/cut.h5" ]; then
  echo "note: the run finished before the kill; resume path not exercised this time" >&2
else
  [ -e "$TMP/cut.h5.part" ] || fail "no partial file after kill"
  "$CSSIM" run --resume "$TMP/cut.h5" -q || fail "resume failed"
fi
[ -e "$TMP/cut.h5" ] || fail "resume did not produce the final file"
/usr/bin/python3 tests/tools/h5same.py "$TMP/full.h5" "$TMP/cut.h5" || fail "resumed output differs from uninterrupted"
echo "ok: killed and resumed run is identical"
