#!/usr/bin/env bash
# Weak scaling of the MPI variant on this machine: R ranks x 1 thread, PER_RANK replications
# per rank of the baseline scenario, R = 1 .. MAX_RANKS, median wall time of RUNS runs each
# (interleaved over R; the report gives the load average before and after, since a machine
# shared with other work makes single runs meaningless).
# Efficiency(R) = T(1 rank, N) / T(R ranks, R*N): 1.0 is perfect. For R > 1 the runner's
# CSSIM_MPI_STATS line splits each rank's time into simulation, waiting for the slowest rank
# at the end of a round (load imbalance) and the collective write + commit.
#
#   bench/mpi_scaling.sh                 PER_RANK=100 RUNS=3 MAX_RANKS=2
#   PER_RANK=50 bench/mpi_scaling.sh
#
# Builds build-mpi-rel/ (Release, CSSIM_MPI=ON) unless CSSIM points at an MPI build.
# Needs openmpi-bin libopenmpi-dev libhdf5-openmpi-dev. Writes bench/results/mpi_scaling.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
PER_RANK=${PER_RANK:-100} RUNS=${RUNS:-3} MAX_RANKS=${MAX_RANKS:-2}
if [ -z "${CSSIM:-}" ]; then
  cmake -S . -B build-mpi-rel -DCMAKE_BUILD_TYPE=Release -DCSSIM_MPI=ON -DCSSIM_TESTS=OFF \
    -DCSSIM_BENCH=OFF >/dev/null
  cmake --build build-mpi-rel -j "$(nproc)" >/dev/null
  CSSIM=build-mpi-rel/cssim
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# one core per rank (Open MPI binds to cores by default for np <= 2; say it anyway)
mpi=(mpirun --allow-run-as-root --bind-to core --map-by core)
[ "$MAX_RANKS" -gt "$(nproc)" ] && mpi+=(--oversubscribe)

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
out=bench/results/mpi_scaling.md
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# Interleaved: run i of every rank count, then run i+1, so that a burst of load from elsewhere
# on a shared machine falls on all rank counts alike.
for i in $(seq "$RUNS"); do
  for R in $(seq 1 "$MAX_RANKS"); do
    n=$((PER_RANK * R))
    rm -f "$tmp/o.h5" "$tmp/o.h5.part"
    s=$(date +%s.%N)
    CSSIM_MPI_STATS=1 "${mpi[@]}" -x CSSIM_MPI_STATS -np "$R" "$CSSIM" run scenarios/baseline.yaml \
      -n "$n" -j 1 -q -o "$tmp/o.h5" 2>"$tmp/err.$R.$i"
    e=$(date +%s.%N)
    echo "$e - $s" | bc -l >>"$tmp/times.$R"
  done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# MPI weak scaling ($(date -u +%F), $(nproc) cores, $(mpirun --version | head -1))"
  echo
  echo "baseline scenario, $PER_RANK replications per rank, 1 thread per rank, median of $RUNS"
  echo "interleaved runs; load average (1, 5, 15 min) $load0 before, $load1 after"
  echo
  echo "| ranks | replications | time (s) | efficiency | compute (s, mean/max) | imbalance wait (s) | collective write (s, mean/max) | rounds |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$out"
t1=""
for R in $(seq 1 "$MAX_RANKS"); do
  n=$((PER_RANK * R))
  t=$(median <"$tmp/times.$R")
  [ -z "$t1" ] && t1=$t
  eff=$(echo "$t1 / $t" | bc -l)
  # the stats of the run whose time is the median
  st=""
  for i in $(seq "$RUNS"); do
    if [ "$(sed -n "${i}p" "$tmp/times.$R")" = "$t" ]; then
      st=$(grep -h '^mpi-stats' "$tmp/err.$R.$i" | tail -1 || true)
      break
    fi
  done
  get() { echo "$st" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  if [ -n "$st" ]; then
    cols="$(get compute_mean)/$(get compute_max) | $(get imbalance_wait_mean) | $(get write_mean)/$(get write_max) | $(get rounds)"
  else
    cols="(one process: serial path) | - | - | -"
  fi
  printf '| %d | %d | %.2f | %.3f | %s |\n' "$R" "$n" "$t" "$eff" "$cols" >>"$out"
  echo "ranks=$R n=$n times: $(tr '\n' ' ' <"$tmp/times.$R") median=$t efficiency=$eff $st"
done
echo
cat "$out"
