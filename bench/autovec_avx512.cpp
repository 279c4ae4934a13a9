// The reference loops auto-vectorized for avx512 (flags set in bench/CMakeLists.txt).
#define NNSIMD_BENCH_ISA avx512
#include "autovec_tu.inc"
