#!/usr/bin/env bash
# Soak test of kill-and-resume (not run by ctest: it takes minutes). Runs the writer's random
# SIGKILL test in batches of TRIALS kills, each batch with its own series of instants, until
# TOTAL kills have been tried; every killed writer is resumed and compared with an
# uninterrupted run (h5diff). Prints the kills, the failed batches and their logs.
#   tests/soak/kill_soak.sh [TOTAL=3000] [TRIALS=50] [BIN=build/tests/test_writer]
set -uo pipefail
total=${1:-3000} trials=${2:-50} bin=${3:-build/tests/test_writer}
cd "$(dirname "$0")/../.."
log=$(mktemp -d)
done_kills=0 batches=0 failed=0 fallbacks=0 seed=${SOAK_SEED:-1}
while [ "$done_kills" -lt "$total" ]; do
  out="$log/batch$seed.txt"
  if CSSIM_TEST_FILTER='*random_kills*' CSSIM_WRITER_KILL_TRIALS=$trials CSSIM_WRITER_KILL_SEED=$seed \
      "$bin" >"$out" 2>&1; then :; else
    failed=$((failed + 1)); echo "batch seed=$seed FAILED (log: $out)"; grep -E 'ERROR|FAIL|differs|resume' "$out" | head -5
  fi
  k=$(grep -c '^\[ *\] *kill [0-9]*\|kill [0-9]* after' "$out")
  done_kills=$((done_kills + k)); batches=$((batches + 1)); seed=$((seed + 1))
  fb=$(grep -c "could be read back" "$out" || true); fallbacks=$((fallbacks + fb))
  echo "batches=$batches kills=$done_kills failed_batches=$failed prefix_fallbacks=$fallbacks"
done
echo "kill soak: $done_kills kills in $batches batches, $failed failed batches, $fallbacks resumes kept a shorter prefix"
[ "$failed" = 0 ]
