// The reference loops auto-vectorized for neon64 (flags set in bench/CMakeLists.txt).
#define NNSIMD_BENCH_ISA neon64
#include "autovec_tu.inc"
