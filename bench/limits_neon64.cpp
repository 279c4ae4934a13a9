// Machine-limit loops for neon64 (flags set in bench/CMakeLists.txt).
#define NNSIMD_BENCH_ISA neon64
#define NNSIMD_BENCH_ARCH xsimd::neon64
#include "limits_tu.inc"
