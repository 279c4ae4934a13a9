// Machine-limit loops for sse2 (flags set in bench/CMakeLists.txt).
#define NNSIMD_BENCH_ISA sse2
#define NNSIMD_BENCH_ARCH xsimd::sse2
#include "limits_tu.inc"
