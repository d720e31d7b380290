#!/usr/bin/env bash
# Builds the libFuzzer scenario fuzzer (clang, ASan, UBSan) and runs it for SECONDS (default
# 60) on one core, seeded with the scenario library and every past crash input. A crash is
# saved as tests/fuzz/crash-* and fails the run (exit 1): fix it, then move the input into
# tests/fuzz/regressions/, which the normal test build replays (fuzz_config_replay).
#   tests/fuzz/run.sh [SECONDS]      env: CSSIM_FUZZ_BUILD (default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
build=${CSSIM_FUZZ_BUILD:-build-fuzz}
command -v clang >/dev/null || { echo "run.sh: needs clang (apt install clang libclang-rt-14-dev)" >&2; exit 2; }
CC=clang cmake -S . -B "$build" -DCSSIM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCSSIM_BENCH=OFF >/dev/null
cmake --build "$build" --target fuzz_config -j2 >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Inputs are written beside a copy of the scenarios, so `extends: baseline.yaml` resolves.
mkdir -p "$work/corpus" "$work/dir"
cp -r scenarios/. "$work/dir/"
cp scenarios/*.yaml scenarios/verify/*.yaml tests/fuzz/regressions/* "$work/corpus/"
set +e
CSSIM_FUZZ_DIR="$work/dir" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
  "$build/tests/fuzz/fuzz_config" -max_total_time="$secs" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=tests/fuzz/ \
  -dict=tests/fuzz/scenario.dict "$work/corpus" 2>&1 | tee "$work/log" |
  grep -E "^(#[0-9]+[[:space:]]+(INITED|DONE)|==[0-9]+==|SUMMARY|Test unit written)"
rc=${PIPESTATUS[0]}
set -e
grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)" "$work/log" || true
[ "$rc" = 0 ] || { echo "run.sh: the fuzzer found a crash (status $rc); the input is in tests/fuzz/" >&2; exit 1; }
echo "run.sh: no crash in ${secs} s"
