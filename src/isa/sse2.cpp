// SSE2: 128-bit vectors, the baseline of every x86-64 CPU. Compiled with -msse2.
#define NNSIMD_ISA sse2
#define NNSIMD_ARCH xsimd::sse2
#include "isa_tu.inc"
