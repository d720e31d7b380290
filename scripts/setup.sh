#!/usr/bin/env bash
# Set-up from nothing on Debian 12: installs what is missing (apt), configures and builds.
#   scripts/setup.sh            the program and what `cssim run` and analysis/ need
#   scripts/setup.sh --tests    also what the test suite needs (cmocka, hdf5-tools, chromium,
#                               R's hdf5r, SimPy, OpenMPI with parallel HDF5, clang and
#                               libFuzzer for tests/fuzz/run.sh)
# Options: --build-dir DIR (default build), --build-type TYPE (default RelWithDebInfo),
#          --no-build (install only), and any -DVAR=VALUE passed on to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=0 build=1 build_dir=build build_type=RelWithDebInfo cmake_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tests) tests=1 ;;
    --no-build) build=0 ;;
    --build-dir) build_dir=$2; shift ;;
    --build-type) build_type=$2; shift ;;
    -D*) cmake_args+=("$1") ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

pkgs=(build-essential cmake pkg-config git libgsl-dev libhdf5-dev hdf5-tools libyaml-dev
      librandom123-dev libdeflate-dev libcmocka-dev python3 python3-h5py python3-numpy python3-pandas
      python3-matplotlib python3-scipy python3-xarray python3-h5netcdf)
if [ "$tests" = 1 ]; then
  pkgs+=(python3-simpy3 chromium r-cran-hdf5r openmpi-bin libopenmpi-dev libhdf5-openmpi-dev
         clang-format time clang libclang-rt-14-dev)
fi

step() { echo "setup.sh [$(date +%H:%M:%S)] $*"; }

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "1/3 installing ${#missing[@]} Debian packages: ${missing[*]}"
  step "    (a bare Debian 12: about 230 MB to download, 5-10 minutes; with --tests about 280 MB more)"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  step "    apt-get update"
  $sudo apt-get update -qq
  # one line per stage, not apt's full chatter
  set +o pipefail
  $sudo apt-get install -y --no-install-recommends "${missing[@]}" 2>&1 |
    grep --line-buffered -E '^(Get:|Need to get|Unpacking|Setting up)' |
    awk '/^Need to get/ { print "setup.sh   " $0; fflush(); next }
         /^Get:/ { n++; if (n % 10 == 1) { printf "setup.sh   downloading (%d packages so far)\n", n; fflush() } next }
         /^Unpacking/ { u++; if (u % 25 == 1) { printf "setup.sh   unpacking (%d so far)\n", u; fflush() } next }
         /^Setting up/ { c++; if (c % 25 == 1) { printf "setup.sh   configuring (%d so far)\n", c; fflush() } }'
  rc=${PIPESTATUS[0]}
  set -o pipefail
  [ "$rc" = 0 ] || { echo "setup.sh: apt-get install failed (status $rc)" >&2; exit 1; }
  step "    packages installed"
else
  step "1/3 every Debian package needed is installed"
fi

if [ "$build" = 1 ]; then
  step "2/3 configuring ($build_dir, $build_type)"
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" "${cmake_args[@]}" >/dev/null
  step "3/3 building with $(nproc) jobs"
  set +o pipefail
  cmake --build "$build_dir" -j "$(nproc)" 2>&1 | tee "$build_dir/build.log" |
    grep --line-buffered -E 'Built target|error|warning'
  rc=${PIPESTATUS[0]}
  set -o pipefail
  [ "$rc" = 0 ] || { echo "setup.sh: build failed (log: $build_dir/build.log)" >&2; exit 1; }
  step "done: $build_dir/cssim"
fi
