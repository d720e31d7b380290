#!/usr/bin/env bash
# cssim calibrate: recovers parameters from targets simulated at known values, never overwrites
# an existing output without --force, replays its cache, warns when chains have not converged,
# records the fingerprint that --fingerprint prints, and gives the same draws on any threads.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/cal.yaml" <<Y
calibrate:
  scenario: $PWD/scenarios/baseline.yaml
  targets: $TMP/targets.csv
  parameters: judgement.sif.c1, judgement.sif.c2
  lower: [-2.0, -0.5]
  upper: [0.0, 2.0]
  start: [-1.1, 0.6]          # the truth, for --write-targets
  replications: 24
  seed: 7
  max_evals: 120
  tolerance: 0.002
  cov_replications: 48
  chains: 0
  horizon_years: 2.01
Y
# the targets' series and dates from the real targets file, values simulated at the truth
# (targets to 2017-12-14: those inside the 2.01-year horizon)
awk -F, 'NR == 1 || $2 <= "2017-12-14"' data/calibration_targets.csv >"$TMP/targets.csv"
rc=0; "$CSSIM" calibrate "$TMP/cal.yaml" --write-targets "$TMP/targets.csv" -q 2>"$TMP/err" || rc=$?
[ "$rc" = 2 ] && grep -q "exists" "$TMP/err" || fail "--write-targets overwrote an existing file (rc $rc)"
"$CSSIM" calibrate "$TMP/cal.yaml" --write-targets "$TMP/targets.csv" --force -q
grep -q "simulated mean" "$TMP/targets.csv" || fail "no simulated targets"
# no output named: usage error
rc=0; "$CSSIM" calibrate "$TMP/cal.yaml" -q 2>"$TMP/err" || rc=$?
[ "$rc" = 2 ] && grep -q -- "-o FILE" "$TMP/err" || fail "calibrate without -o: rc $rc"
# fit from elsewhere
"$CSSIM" calibrate "$TMP/cal.yaml" --set 'calibrate.start=[-0.5, 1.4]' -o "$TMP/fitted.yaml" \
    >"$TMP/out" 2>&1 || { cat "$TMP/out"; fail "calibrate failed"; }
cat "$TMP/out"
[ -s "$TMP/fitted.calibration/report.md" ] || fail "no report next to the fragment"
/usr/bin/python3 - "$TMP/fitted.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
got = {k: float(v) for k, v in re.findall(r"^\s+(c[12]): ([-0-9.e]+)", text, re.M)}
truth = {"c1": -1.1, "c2": 0.6}
for k, v in truth.items():
    print(f"judgement.sif.{k}: truth {v}, recovered {got[k]:.4f}")
    assert abs(got[k] - v) < 0.08, f"{k} not recovered: {got[k]} vs {v}"
PY
# the fingerprint in the fragment is the one --fingerprint computes for these inputs
fp=$("$CSSIM" calibrate "$TMP/cal.yaml" --set 'calibrate.start=[-0.5, 1.4]' --fingerprint)
grep -q "^# fingerprint: $fp\$" "$TMP/fitted.yaml" || fail "fingerprint $fp not in the fragment"
fp2=$("$CSSIM" calibrate "$TMP/cal.yaml" --fingerprint)
[ "$fp" != "$fp2" ] || fail "the fingerprint ignores --set"
# an existing output is not overwritten, and nothing is run
cp "$TMP/fitted.yaml" "$TMP/before.yaml"
rc=0; "$CSSIM" calibrate "$TMP/cal.yaml" --set 'calibrate.start=[-0.5, 1.4]' -o "$TMP/fitted.yaml" \
    -q 2>"$TMP/err" || rc=$?
[ "$rc" = 2 ] && grep -q "use --force" "$TMP/err" || fail "existing output: rc $rc"
cmp -s "$TMP/fitted.yaml" "$TMP/before.yaml" || fail "existing output changed"
# resumable: with --force a second run replays its cache (no new evaluation) and agrees
"$CSSIM" calibrate "$TMP/cal.yaml" --set 'calibrate.start=[-0.5, 1.4]' -o "$TMP/fitted.yaml" \
    --force >"$TMP/out2"
cmp -s "$TMP/fitted.yaml" "$TMP/before.yaml" || fail "a replayed run differs"
# chains far too short: the command warns loudly and the report records it
"$CSSIM" calibrate "$TMP/cal.yaml" -o "$TMP/short.yaml" --set calibrate.chains=2 \
    --set calibrate.mcmc_steps=24 --set calibrate.max_evals=30 -q 2>"$TMP/err" >/dev/null
grep -q "WARNING: THE CHAINS HAVE NOT CONVERGED" "$TMP/err" || fail "no warning"
grep -q "WARNING: the chains have not converged" "$TMP/short.calibration/report.md" || fail "no warning in the report"
grep -q "NOT MET" "$TMP/short.yaml" || fail "the fragment does not say so"
# the same fit and chains on one thread and on two: identical fragment and draws
"$CSSIM" calibrate "$TMP/cal.yaml" -o "$TMP/short1.yaml" --set calibrate.chains=2 \
    --set calibrate.mcmc_steps=24 --set calibrate.max_evals=30 -q -j 1 2>/dev/null >/dev/null
"$CSSIM" calibrate "$TMP/cal.yaml" -o "$TMP/short2.yaml" --set calibrate.chains=2 \
    --set calibrate.mcmc_steps=24 --set calibrate.max_evals=30 -q -j 2 2>/dev/null >/dev/null
cmp -s "$TMP/short1.yaml" "$TMP/short2.yaml" || fail "fragment differs between -j 1 and -j 2"
cmp -s "$TMP/short1.calibration/chains.csv" "$TMP/short2.calibration/chains.csv" ||
    fail "chains differ between -j 1 and -j 2"
echo "ok: parameters recovered; outputs safe; cache replayed; warning given; thread-invariant"
