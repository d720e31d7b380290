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
      librandom123-dev libcmocka-dev python3 python3-h5py python3-numpy python3-pandas
      python3-matplotlib python3-scipy python3-xarray python3-h5netcdf)
if [ "$tests" = 1 ]; then
  pkgs+=(python3-simpy3 chromium r-cran-hdf5r openmpi-bin libopenmpi-dev libhdf5-openmpi-dev
         clang-format time clang libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$build" = 1 ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" "${cmake_args[@]}" >/dev/null
  cmake --build "$build_dir" -j "$(nproc)"
fi
