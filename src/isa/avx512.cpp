// AVX-512 F/CD/DQ/BW(+VL): 512-bit vectors (xsimd 8.1 arch avx512bw). Compiled with -mavx512{f,cd,dq,bw,vl} -mfma.
#define NNSIMD_ISA avx512
#define NNSIMD_ARCH xsimd::avx512bw
#include "isa_tu.inc"
