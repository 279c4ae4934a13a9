// AVX2 with FMA3: 256-bit vectors, fused multiply-add. Compiled with -mavx2 -mfma.
#define NNSIMD_ISA avx2
#define NNSIMD_ARCH xsimd::fma3<xsimd::avx2>
#include "isa_tu.inc"
