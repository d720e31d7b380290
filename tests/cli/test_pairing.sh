#!/usr/bin/env bash
# A subset run shares random numbers with the full run: authorities' streams are keyed by ONS
# code (not by row after filtering) and uncertain parameters by key path (issue 17, item 3).
. "$(dirname "$0")/lib.sh"
# Decoupled so that each authority evolves alone: unlimited inspectorate and sponsors, and no
# workforce effect on quality (the national workforce supply couples authorities).
ALONE=(--set time.horizon_years=3 --set inspectorate.unlimited=true
       --set quality.beta_workforce=0 --set sponsors.unlimited=true -q -n 3)
"$CSSIM" run scenarios/baseline.yaml -o "$TMP/full.h5" "${ALONE[@]}"
# 20 authorities from the middle of the table: row positions 40-59 before filtering, 0-19 after
ONLY=$(/usr/bin/python3 -c '
import h5py, sys
with h5py.File(sys.argv[1], "r") as f:
    print(",".join(c.decode() for c in f["authorities/code"][40:60]))' "$TMP/full.h5")
"$CSSIM" run scenarios/baseline.yaml -o "$TMP/only.h5" "${ALONE[@]}" --set "authorities.only=$ONLY"
"$CSSIM" run scenarios/baseline.yaml -o "$TMP/limit.h5" "${ALONE[@]}" --set authorities.limit=30
/usr/bin/python3 - "$TMP/full.h5" "$TMP/only.h5" "$TMP/limit.h5" <<'PY' || fail "subset runs are not paired with the full run"
import sys
import h5py
import numpy as np

full, only, limit = (h5py.File(p, "r") for p in sys.argv[1:])
base = "scenarios/baseline/"
codes = [c.decode() for c in full["authorities/code"][()]]
sub = [codes.index(c.decode()) for c in only["authorities/code"][()]]
assert sub == list(range(40, 60)), sub
bad = []
for var in ("quality", "grade", "governance"):
    a = full[base + "panel/" + var][()][:, :, sub]
    b = only[base + "panel/" + var][()]
    if a.shape != b.shape or not np.array_equal(a, b, equal_nan=var == "quality"):
        bad.append(f"panel/{var}: {np.mean(a == b):.3f} equal")
# uncertain parameters: the same draws whatever the authorities
drawn = [k for k in full[base + "drawn"] if k != "replication"]
assert drawn, "the baseline has uncertain parameters"
for g in (only, limit):
    for k in drawn:
        if not np.array_equal(full[base + "drawn/" + k][()], g[base + "drawn/" + k][()]):
            bad.append(f"drawn/{k} differs in {g.filename}")
if bad:
    sys.exit("\n".join(bad))
print(f"paired: {len(sub)} authorities x 3 panels, {len(drawn)} drawn parameters")
PY
echo "ok: subset runs share random numbers with the full run"
