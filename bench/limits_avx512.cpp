// Machine-limit loops for avx512 (flags set in bench/CMakeLists.txt).
#define NNSIMD_BENCH_ISA avx512
#define NNSIMD_BENCH_ARCH xsimd::avx512bw
#include "limits_tu.inc"
