#!/usr/bin/env bash
# `mpirun -np 2 cssim run` writes the same data as one process (every dataset and attribute,
# h5same and h5diff), with either writer (--mpi-writer root, the default: rank 0 writes; and
# collective: parallel HDF5), and a SIGTERM'd 2-rank run resumed under mpirun completes it
# identically. With the root writer a run whose ranks are SIGKILLed leaves a .part that
# --resume completes identically (SWMR).
set -euo pipefail
: "${CSSIM:=build-mpi/cssim}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v mpirun >/dev/null; then echo "skip: mpirun not installed"; exit 0; fi
# (ldd's output is captured first: `ldd | grep -q` under pipefail fails when grep exits early)
if [ ! -x "$CSSIM" ] || ! grep -q libmpi <<<"$(ldd "$CSSIM")"; then
  echo "skip: $CSSIM is not an MPI build (configure with -DCSSIM_MPI=ON)"; exit 0
fi
# root needs --allow-run-as-root; 2 ranks on fewer cores need --oversubscribe. A hang must
# fail the test, not the CI job: every mpirun has a timeout.
MPIRUN=(timeout 300 mpirun --allow-run-as-root --oversubscribe)
same() {
  /usr/bin/python3 tests/tools/h5same.py "$1" "$2" || fail "$3: h5same: data differ"
  # root attributes hold the invocation (created, command_line); h5same checked the rest
  h5diff -q --exclude-attribute / "$1" "$2" || fail "$3: h5diff reports differences"
}

"$CSSIM" run scenarios/baseline.yaml -n 2 -q -o "$TMP/x.h5" --mpi-writer bogus 2>"$TMP/x.err" &&
  fail "--mpi-writer bogus accepted"
grep -q "mpi-writer" "$TMP/x.err" || fail "--mpi-writer bogus: no message naming the option"

args=(scenarios/baseline.yaml -n 8 --set time.horizon_years=2 --set authorities.limit=40 -q)
"$CSSIM" run "${args[@]}" -j 2 -o "$TMP/one.h5"
"$CSSIM" run "${args[@]}" --set output.compression=0 -o "$TMP/one0.h5"
only=(--set "output.only=national/grade_counts, summary/events authority_stats")
"$CSSIM" run "${args[@]}" "${only[@]}" -o "$TMP/oneo.h5"
for mode in root collective; do
  w=(--mpi-writer "$mode")
  "${MPIRUN[@]}" -np 2 "$CSSIM" run "${args[@]}" "${w[@]}" -j 1 -o "$TMP/r2$mode.h5" ||
    fail "$mode: 2-rank run failed"
  same "$TMP/one.h5" "$TMP/r2$mode.h5" "$mode: 2 ranks x 1 thread"
  "${MPIRUN[@]}" -np 3 "$CSSIM" run "${args[@]}" "${w[@]}" -j 2 -o "$TMP/r3$mode.h5" ||
    fail "$mode: 3-rank run failed"
  same "$TMP/one.h5" "$TMP/r3$mode.h5" "$mode: 3 ranks x 2 threads (uneven blocks)"
  "${MPIRUN[@]}" -np 2 "$CSSIM" run "${args[@]}" "${w[@]}" --set output.compression=0 \
    -o "$TMP/r20$mode.h5" || fail "$mode: uncompressed 2-rank run failed"
  same "$TMP/one0.h5" "$TMP/r20$mode.h5" "$mode: uncompressed"
  "${MPIRUN[@]}" -np 2 "$CSSIM" run "${args[@]}" "${w[@]}" "${only[@]}" -o "$TMP/r2o$mode.h5" ||
    fail "$mode: 2-rank run with output.only failed"
  same "$TMP/oneo.h5" "$TMP/r2o$mode.h5" "$mode: output.only"
done

# Root writer, blocks of 5 replications a rank: the chunks of the summaries and of these short
# series (8 rows, under 4 KiB a block) are rank 0's and their rows go to it as they are, across
# the blocks' boundaries; the panels' (one replication) are the ranks' own.
CSSIM_MPI_BLOCK=5 "${MPIRUN[@]}" -x CSSIM_MPI_BLOCK -np 2 "$CSSIM" run "${args[@]}" -j 1 \
  -o "$TMP/r2b5.h5" || fail "root: 2-rank run in blocks of 5 failed"
same "$TMP/one.h5" "$TMP/r2b5.h5" "root: 2 ranks in blocks of 5"
/usr/bin/python3 - "$TMP/r2b5.h5" <<'PY' || fail "root: blocks of 5: chunks not as expected"
import sys, h5py
g = h5py.File(sys.argv[1], "r")["scenarios/baseline"]
assert g["summary/events"].chunks == (8,), g["summary/events"].chunks
assert g["national/grade_counts"].chunks[0] == 8, g["national/grade_counts"].chunks
assert g["panel/grade"].chunks[0] == 1, g["panel/grade"].chunks
PY

# Waits (up to 10 s) until $1 is over 2 MB.
grown() {
  for _ in $(seq 200); do
    [ -e "$1" ] && [ "$(stat -c %s "$1")" -gt 2000000 ] && return 0
    sleep 0.05
  done
}

# SIGTERM (what a cluster sends at wall time): all ranks stop at one round boundary, commit,
# close; --resume under mpirun completes the file identically.
long=(scenarios/baseline.yaml -n 400 -q)
"$CSSIM" run "${long[@]}" -o "$TMP/full.h5"
for mode in root collective; do
  cut="$TMP/cut$mode.h5"
  "${MPIRUN[@]}" -np 2 "$CSSIM" run "${long[@]}" --mpi-writer "$mode" -j 1 -o "$cut" \
    2>"$TMP/cut.err" &
  pid=$!
  grown "$cut.part"
  kill -TERM "$pid" 2>/dev/null || true # timeout forwards it to mpirun, mpirun to the ranks
  st=0; wait "$pid" 2>/dev/null || st=$?
  if [ -e "$cut" ]; then
    echo "note: $mode: the run finished before SIGTERM; resume path not exercised" >&2
  else
    [ -e "$cut.part" ] || fail "$mode: no partial file after SIGTERM"
    # mpirun may tear down output forwarding before rank 0's "interrupted" line reaches us;
    # the property that matters is that the resumed file is complete and identical (below)
    grep -q "interrupted" "$TMP/cut.err" ||
      echo "note: $mode: mpirun (status $st) did not relay the interruption message" >&2
    "${MPIRUN[@]}" -np 2 "$CSSIM" run --resume "$cut" -q || fail "$mode: MPI resume failed"
  fi
  [ -e "$cut" ] || fail "$mode: resume did not produce the final file"
  same "$TMP/full.h5" "$cut" "$mode: SIGTERM + resume"
done

# SIGKILL of every process of the run (a node lost): the root writer's file is SWMR, so the
# .part opens at its last commit and --resume completes it identically.
kill9="$TMP/kill9.h5"
# (in a subshell whose stderr is discarded: bash reports a killed job there, not here)
("${MPIRUN[@]}" -np 2 "$CSSIM" run "${long[@]}" -j 1 --commit-events 0 -o "$kill9" &
  wait $!) 2>/dev/null &
pid=$!
grown "$kill9.part"
pkill -KILL -f -- "-o $kill9" || true # the ranks and mpirun (their command lines name it)
wait "$pid" || true
if [ -e "$kill9" ]; then
  echo "note: the run finished before SIGKILL; not exercised" >&2
else
  [ -e "$kill9.part" ] || fail "SIGKILL: no partial file"
  "${MPIRUN[@]}" -np 2 "$CSSIM" run --resume "$kill9" -q || fail "resume after SIGKILL failed"
  [ -e "$kill9" ] || fail "resume after SIGKILL did not produce the final file"
  same "$TMP/full.h5" "$kill9" "root: SIGKILL + resume"
fi
echo "ok: MPI output identical to one process (both writers; 2 and 3 ranks, compressed and not, resumed after SIGTERM; root writer after SIGKILL)"
