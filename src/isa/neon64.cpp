// AArch64 Advanced SIMD: 128-bit vectors, always present on AArch64.
#define NNSIMD_ISA neon64
#define NNSIMD_ARCH xsimd::neon64
#include "isa_tu.inc"
