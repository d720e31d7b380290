#!/usr/bin/env bash
# Bad input gets a specific message naming file:line:col and key, exit status 2, and no output.
. "$(dirname "$0")/lib.sh"
expect() { # expect STATUS PATTERN -- command...
  local want=$1 pat=$2; shift 3
  set +e; "$@" >"$TMP/out" 2>"$TMP/err"; local got=$?; set -e
  [ "$got" = "$want" ] || fail "exit $got, want $want: $* ($(cat "$TMP/err"))"
  grep -qE -e "$pat" "$TMP/err" || fail "message does not match /$pat/: $(cat "$TMP/err")"
}
cat >"$TMP/typo.yaml" <<'Y'
extends: SRC/scenarios/baseline.yaml
inspectorate:
  ftee: 10
Y
sed -i "s|SRC|$PWD|" "$TMP/typo.yaml"
expect 2 "typo.yaml:3:3: inspectorate.ftee: unknown key.*did you mean inspectorate.fte" -- \
  "$CSSIM" run "$TMP/typo.yaml" -o "$TMP/o.h5"
[ ! -e "$TMP/o.h5" ] && [ ! -e "$TMP/o.h5.part" ] || fail "output created on bad input"
printf 'extends: %s/scenarios/baseline.yaml\ninspectorate:\n  fte: ten\n' "$PWD" >"$TMP/type.yaml"
expect 2 "type.yaml:3:8: inspectorate.fte: expected a number" -- "$CSSIM" check "$TMP/type.yaml"
printf 'extends: %s/scenarios/baseline.yaml\nregime:\n  discretion_prob: 1.5\n' "$PWD" >"$TMP/range.yaml"
expect 2 "range.yaml:3:.*regime.discretion_prob" -- "$CSSIM" check "$TMP/range.yaml"
printf 'meta: {name: x\n' >"$TMP/malformed.yaml"
expect 2 "malformed.yaml:[0-9]+:[0-9]+" -- "$CSSIM" check "$TMP/malformed.yaml"
expect 2 "--set.*inspectorate.nope" -- "$CSSIM" check scenarios/baseline.yaml --set inspectorate.nope=1
printf 'extends: %s/scenarios/baseline.yaml\nsweep:\n  grid:\n    inspectorate.fteX: [1, 2]\n' "$PWD" >"$TMP/sweep.yaml"
expect 2 "sweep.yaml:4:.*inspectorate.fteX" -- "$CSSIM" check "$TMP/sweep.yaml"
# run.* keys have one value per run: a sweep may not vary them (issue 17, item 2)
printf 'extends: %s/scenarios/baseline.yaml\nsweep:\n  grid:\n    run.replications: [2, 4]\n' "$PWD" >"$TMP/swrun.yaml"
expect 2 "swrun.yaml:4:5: run.replications: may not vary in a sweep" -- "$CSSIM" check "$TMP/swrun.yaml"
expect 2 "swrun.yaml:4:5: run.replications" -- "$CSSIM" run "$TMP/swrun.yaml" -o "$TMP/sw.h5"
[ ! -e "$TMP/sw.h5" ] && [ ! -e "$TMP/sw.h5.part" ] || fail "output created for a run.* sweep"
expect 2 "nonexistent.csv" -- "$CSSIM" check scenarios/baseline.yaml --set authorities.table=nonexistent.csv
expect 2 "-n: expected a positive integer" -- "$CSSIM" run scenarios/baseline.yaml -o "$TMP/o.h5" -n zero
# never overwrite without --force
"$CSSIM" run scenarios/baseline.yaml -o "$TMP/done.h5" -n 2 "${SMALL[@]}"
cp "$TMP/done.h5" "$TMP/done.bak"
expect 2 "exists.*--force" -- "$CSSIM" run scenarios/baseline.yaml -o "$TMP/done.h5" -n 2 "${SMALL[@]}"
cmp "$TMP/done.h5" "$TMP/done.bak" || fail "existing output was modified"
"$CSSIM" run scenarios/baseline.yaml -o "$TMP/done.h5" -n 2 "${SMALL[@]}" --force
# a missing output directory
expect 1 "no/such/dir" -- "$CSSIM" run scenarios/baseline.yaml -o "$TMP/no/such/dir/o.h5" -n 2 "${SMALL[@]}"
echo "ok: bad input rejected"
