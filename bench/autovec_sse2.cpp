// The reference loops auto-vectorized for sse2 (flags set in bench/CMakeLists.txt).
#define NNSIMD_BENCH_ISA sse2
#include "autovec_tu.inc"
