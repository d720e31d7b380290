#!/usr/bin/env bash
# The cssim benchmark suite, one command: builds cssim in Release mode into build-release/
# (tests off), builds the hand-written peers with gcc -O2, runs every benchmark and writes
# bench/results/latest.md (printed at the end) and bench/results/latest.json (raw figures).
# The report opens with issue 15's targets, each met, missed or not measured.
#
#   bench/run.sh            full run (about 5-10 minutes on 2 cores)
#   bench/run.sh --quick    smaller sizes, fewer runs (under about 3 minutes)
#
# Needs: cmake, gcc, the project's build dependencies, Debian's /usr/bin/python3 with
# python3-h5py and python3-numpy, and python3-simpy3 for the SimPy peer (installed here with
# apt-get when missing and running as root; otherwise the SimPy column is skipped).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build="${CSSIM_BENCH_BUILD:-$root/build-release}"
quick=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=(--quick) ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
  esac
done

py=/usr/bin/python3   # Debian's python, whatever comes first on PATH
if ! "$py" -c 'import h5py, numpy' 2>/dev/null; then
  echo "bench: $py needs h5py and numpy (apt-get install python3-h5py python3-numpy)" >&2
  exit 1
fi
if ! "$py" -c 'import simpy' 2>/dev/null && [ "$(id -u)" = 0 ]; then
  echo "bench: installing python3-simpy3 (SimPy 3) for the peer comparison" >&2
  apt-get install -y -q python3-simpy3 >/dev/null 2>&1 ||
    echo "bench: could not install python3-simpy3; the SimPy peer is skipped" >&2
fi

echo "bench: building (Release) in $build" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCSSIM_TESTS=OFF -DCSSIM_BENCH=ON \
  >"$build.cmake.log" 2>&1 || { cat "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)" >"$build.build.log" 2>&1 || { tail -50 "$build.build.log" >&2; exit 1; }
rm -f "$build.cmake.log" "$build.build.log"
mkdir -p "$build/bench"
gcc -O2 -o "$build/bench/reduced_minimal" "$here/peers/reduced_minimal.c" -lm
gcc -O2 -o "$build/bench/r1_minimal" "$here/peers/r1_minimal.c" -lm

mkdir -p "$here/results"
"$py" "$here/bench.py" "${quick[@]}" --build "$build" --minimal "$build/bench/reduced_minimal" \
  --r1-minimal "$build/bench/r1_minimal" --out "$here/results/latest.md" --json "$here/results/latest.json"
cat "$here/results/latest.md"
