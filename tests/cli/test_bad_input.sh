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
# an extends that cannot be read is bad input, at the extends key (issue 17, item 10)
printf 'meta: {name: x}\nextends: no/such/base.yaml\n' >"$TMP/ext.yaml"
expect 2 "ext.yaml:2:10: extends: cannot read .*no/such/base.yaml" -- "$CSSIM" check "$TMP/ext.yaml"
# parser bounds (issue 17, item 14): not a regular file, too large, too deep, an alias bomb
expect 2 "/dev/zero: cannot read: not a regular file" -- timeout 10 "$CSSIM" check /dev/zero
mkfifo "$TMP/fifo.yaml"
expect 2 "fifo.yaml: cannot read: not a regular file" -- timeout 10 "$CSSIM" check "$TMP/fifo.yaml"
head -c 1100000 /dev/zero | tr '\0' '#' >"$TMP/big.yaml"
expect 2 "big.yaml: cannot read: larger than 1 MiB" -- "$CSSIM" check "$TMP/big.yaml"
printf 'x: %s%s\n' "$(printf '[%.0s' $(seq 100))" "$(printf ']%.0s' $(seq 100))" >"$TMP/deep.yaml"
expect 2 "deep.yaml:1:67: nesting deeper than 64 levels" -- "$CSSIM" check "$TMP/deep.yaml"
{ echo 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'
  for i in 1 2 3 4 5 6 7 8; do
    printf 'a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n' $i $i $((i-1)) \
      $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1))
  done; } >"$TMP/bomb.yaml"
expect 2 "bomb.yaml:5:[0-9]+: aliases expand to more than 10000 nodes" -- \
  timeout 10 "$CSSIM" check "$TMP/bomb.yaml"
# a scenario name must be a safe group name: refused by check, and run leaves no .part
printf "extends: %s/scenarios/baseline.yaml\nmeta:\n  name: 'a/b'\n" "$PWD" >"$TMP/name.yaml"
expect 2 "name.yaml:3:9: meta.name: expected a name" -- "$CSSIM" check "$TMP/name.yaml"
expect 2 "name.yaml:3:9: meta.name" -- "$CSSIM" run "$TMP/name.yaml" -o "$TMP/name.h5"
[ ! -e "$TMP/name.h5" ] && [ ! -e "$TMP/name.h5.part" ] || fail "output created for a bad name"
# output.only names datasets that exist: an unknown one is refused where it is written
printf 'extends: %s/scenarios/baseline.yaml\noutput:\n  only: national/grade_counts, summary/nope\n' \
  "$PWD" >"$TMP/only.yaml"
expect 2 "only.yaml:3:9: output.only: no dataset 'summary/nope'" -- "$CSSIM" check "$TMP/only.yaml"
expect 2 "only.yaml:3:9: output.only" -- "$CSSIM" run "$TMP/only.yaml" -o "$TMP/only.h5"
[ ! -e "$TMP/only.h5" ] && [ ! -e "$TMP/only.h5.part" ] || fail "output created for a bad output.only"
# a capacity below a team that the run needs would stall every inspection silently
printf 'extends: %s/scenarios/baseline.yaml\ninspectorate:\n  fte: 2\n' "$PWD" >"$TMP/cap.yaml"
expect 2 "cap.yaml:3:8: inspectorate.fte: capacity of at most 1.2 inspectors .* team of 6 on a sif" \
  -- "$CSSIM" check "$TMP/cap.yaml"
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
# a CSSIM_HEAP_MB that is not a size is named, and the run goes on with the default heap
CSSIM_HEAP_MB=64MB "$CSSIM" version >/dev/null 2>"$TMP/heap.err" || fail "CSSIM_HEAP_MB=64MB failed"
grep -q "CSSIM_HEAP_MB='64MB' is not a size in MiB from 0 to 512; using 64" "$TMP/heap.err" ||
  fail "no warning for CSSIM_HEAP_MB=64MB: $(cat "$TMP/heap.err")"
echo "ok: bad input rejected"
