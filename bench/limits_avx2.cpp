// Machine-limit loops for avx2 (flags set in bench/CMakeLists.txt).
#define NNSIMD_BENCH_ISA avx2
#define NNSIMD_BENCH_ARCH xsimd::fma3<xsimd::avx2>
#include "limits_tu.inc"
