#!/usr/bin/env bash
# Weak scaling of the MPI variant on this machine: R ranks x 1 thread, PER_RANK replications
# per rank of the baseline scenario, R = 1 .. MAX_RANKS, median wall time of RUNS runs each
# (interleaved over R; runs during which other processes used the CPU are set aside, and the
# report gives the load average, since a machine shared with other work makes single runs
# meaningless).
# Efficiency(R) = T(1 rank, N) / T(R ranks, R*N): 1.0 is perfect. R > 1 runs with each writer
# (--mpi-writer root, the default: rank 0 writes, every rank compresses its own block; and
# collective: parallel HDF5). The runner's CSSIM_MPI_STATS line splits each rank's time into
# simulation, waiting for the slowest rank at the end of a round (load imbalance) and writing
# (staging, compressing, sending or the collective writes, storing and commits).
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
hz=$(getconf CLK_TCK)
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; } # jiffies, all CPUs
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# Interleaved: run i of every rank count, then run i+1, so that a burst of load from elsewhere
# on a shared machine falls on all rank counts alike. Each run also records the CPU time the
# rest of the machine used meanwhile (all CPUs' busy time minus the run's own user + system):
# a run during which others used more than 10% of its wall time is "loaded", and the medians
# are over the clean runs when there are at least 3 (else over all, said in the report).
configs=(1)
for R in $(seq 2 "$MAX_RANKS"); do configs+=("$R:root" "$R:collective"); done
for i in $(seq "$RUNS"); do
  for c in "${configs[@]}"; do
    R=${c%%:*} mode=${c#*:}
    [ "$mode" = "$c" ] && mode=root
    n=$((PER_RANK * R))
    rm -f "$tmp/o.h5" "$tmp/o.h5.part"
    b0=$(busy)
    s=$(date +%s.%N)
    CSSIM_MPI_STATS=1 /usr/bin/time -f "%U %S" -o "$tmp/own" "${mpi[@]}" -x CSSIM_MPI_STATS \
      -np "$R" "$CSSIM" run scenarios/baseline.yaml -n "$n" -j 1 -q --mpi-writer "$mode" \
      -o "$tmp/o.h5" 2>"$tmp/err.$c.$i"
    e=$(date +%s.%N)
    b1=$(busy)
    own=$(awk '{print $1 + $2}' "$tmp/own")
    echo "$(echo "$e - $s" | bc -l) $(echo "($b1 - $b0) / $hz - $own" | bc -l) $i" >>"$tmp/runs.$c"
  done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# MPI weak scaling ($(date -u +%F), $(nproc) cores, $(mpirun --version | head -1))"
  echo
  echo "baseline scenario, $PER_RANK replications per rank, 1 thread per rank, $RUNS runs of each"
  echo "rank count, interleaved; load average (1, 5, 15 min) $load0 before, $load1 after. Times"
  echo "are medians over the clean runs (other processes used < 10% of a run's wall time in CPU),"
  echo "or over all runs when fewer than 3 were clean; the stats columns are the median run's."
  echo
  echo "| ranks | writer | replications | time (s) | efficiency | runs (clean/all) | compute (s, mean/max) | imbalance wait (s) | write (s, mean/max) | rounds |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} >"$out"
t1=""
for c in "${configs[@]}"; do
  R=${c%%:*} mode=${c#*:}
  [ "$mode" = "$c" ] && mode="-"
  n=$((PER_RANK * R))
  awk '$2 < 0.1 * $1' "$tmp/runs.$c" >"$tmp/clean.$c"
  used="$tmp/clean.$c"
  nclean=$(wc -l <"$used")
  [ "$nclean" -lt 3 ] && used="$tmp/runs.$c"
  t=$(cut -d' ' -f1 "$used" | median)
  [ -z "$t1" ] && t1=$t
  eff=$(echo "$t1 / $t" | bc -l)
  i=$(awk -v t="$t" '$1 == t {print $3; exit}' "$used")
  st=$(grep -h '^mpi-stats' "$tmp/err.$c.$i" | tail -1 || true)
  get() { echo "$st" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  if [ -n "$st" ]; then
    cols="$(get compute_mean)/$(get compute_max) | $(get imbalance_wait_mean) | $(get write_mean)/$(get write_max) | $(get rounds)"
  else
    cols="(one process: serial path) | - | - | -"
  fi
  printf '| %d | %s | %d | %.2f | %.3f | %d/%d | %s |\n' "$R" "$mode" "$n" "$t" "$eff" "$nclean" "$RUNS" "$cols" >>"$out"
  echo "ranks=$R writer=$mode n=$n runs (wall, others' CPU): $(awk '{printf "%.2f/%.2f ", $1, $2}' "$tmp/runs.$c")"
  echo "  median=$t efficiency=$eff $st"
done
echo
cat "$out"
