// The reference loops auto-vectorized for avx2 (flags set in bench/CMakeLists.txt).
#define NNSIMD_BENCH_ISA avx2
#include "autovec_tu.inc"
