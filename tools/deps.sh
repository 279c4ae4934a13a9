#!/usr/bin/env bash
# Installs the Debian 12 packages nnsimd needs, if any is missing. Idempotent: when everything is
# present it only asks dpkg (well under a second) and installs nothing.
#
#   tools/deps.sh            build, test, benchmark and plot nnsimd, and make and test its HTML report
#   tools/deps.sh --peers    + the libraries the benchmarks compare against (skipped when absent)
#   tools/deps.sh --cross    + the AArch64 cross compiler and qemu, to build and test NEON
#   tools/deps.sh --ci       + debootstrap, for CI's fresh Debian 12 root (tools/fresh_root.sh)
#   tools/deps.sh --fuzz     + clang and its sanitizer/libFuzzer runtimes, for tools/fuzz.sh
#   tools/deps.sh --all      all of the above
#   tools/deps.sh --list     print the packages that would be checked, install nothing
#
# Runs apt-get directly as root, through sudo otherwise. The package lists live here and nowhere else.
set -euo pipefail

# Compiler and build; xsimd (kernels), GoogleTest, Google Benchmark (+ compare.py, which needs scipy),
# cpuinfo (CPU description), CLI11 and nlohmann-json (command line, results); Python for the plots;
# Chart.js (copied into the HTML report by tools/report.py) and chromium (headless: the test that opens it);
# pybind11 and Python's headers for the module (import nnsimd), pytest for its tests.
CORE=(cmake g++ make pkg-config
      libxsimd-dev libgtest-dev libbenchmark-dev libbenchmark-tools libcpuinfo-dev libcli11-dev nlohmann-json3-dev
      python3 python3-numpy python3-scipy python3-matplotlib libjs-chart.js chromium
      python3-dev pybind11-dev python3-pytest)
# What a user would pick instead of nnsimd: BLAS gemm, Eigen, oneDNN, XNNPACK (+ pthreadpool's header),
# Sleef's vector exp/log; PyTorch's ATen (libtorch). Debian's oneDNN CMake package looks for OpenCL itself
# and fails without its development files, hence the two OpenCL packages. From Python
# (bench/peer_numpy.py): threadpoolctl sets and reports NumPy's BLAS threads, PyTorch gives the py_torch rows.
PEERS=(libopenblas-dev libeigen3-dev libdnnl-dev ocl-icd-opencl-dev opencl-c-headers libxnnpack-dev libpthreadpool-dev libsleef-dev
       libtorch-dev python3-threadpoolctl python3-torch)
# NEON: cross-compile for AArch64 and run the tests under user-mode emulation.
CROSS=(g++-aarch64-linux-gnu qemu-user)
# CI: a minimal Debian 12 root in which tools/fresh_root.sh runs the README's two commands.
FRESH_ROOT=(debootstrap)
# Fuzzing (tools/fuzz.sh, the CMake preset fuzz): clang, and libclang-rt-14-dev, which holds libFuzzer
# (libclang_rt.fuzzer-x86_64.a, <fuzzer/FuzzedDataProvider.h>) and the ASan/UBSan runtimes; clang-14
# only recommends it, so --no-install-recommends would leave it out.
FUZZ=(clang libclang-rt-14-dev)

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

wanted=("${CORE[@]}")
list_only=false
peers=false  # the peers are wanted: say which BLAS libblas.so.3 is (check_blas)
for arg in "$@"; do
  case "$arg" in
    --peers) wanted+=("${PEERS[@]}"); peers=true ;;
    --cross) wanted+=("${CROSS[@]}") ;;
    --ci) wanted+=("${FRESH_ROOT[@]}") ;;
    --fuzz) wanted+=("${FUZZ[@]}") ;;
    --all) wanted+=("${PEERS[@]}" "${CROSS[@]}" "${FRESH_ROOT[@]}" "${FUZZ[@]}"); peers=true ;;
    --list) list_only=true ;;
    -h|--help) usage; exit 0 ;;
    *) echo "deps.sh: unknown option '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

if $list_only; then
  printf '%s\n' "${wanted[@]}"
  exit 0
fi

# NumPy and libtorch reach BLAS through Debian's libblas.so.3 alternative; with the peers installed it
# should be OpenBLAS (the benchmarks record which one each process loaded). Says so when it is not.
check_blas() {
  local lib
  lib=$(readlink -f "/usr/lib/$(uname -m)-linux-gnu/libblas.so.3" 2>/dev/null || true)
  if [[ -n "$lib" && "$lib" != *openblas* ]]; then
    echo "deps.sh: note: libblas.so.3 is $lib, not OpenBLAS: NumPy's and libtorch's BLAS rows will time it." >&2
    echo "deps.sh:       select OpenBLAS with: update-alternatives --config libblas.so.3-$(uname -m)-linux-gnu" >&2
  fi
}

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "deps.sh: all ${#wanted[@]} packages present"
  if $peers; then check_blas; fi
  exit 0
fi

if ((EUID == 0)); then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "deps.sh: missing ${missing[*]}; run as root or install sudo" >&2
  exit 1
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
if $peers; then check_blas; fi
