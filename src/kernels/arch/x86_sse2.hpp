// SSE2 (128-bit) code of the kernels: x86_sse2<Arch, T>, defined when compiled with SSE2 (every x86-64
// translation unit); see arch.hpp.
#pragma once

#include "kernels/arch/declarations.hpp"

#if defined(__SSE2__)

#include <immintrin.h>

namespace nnsimd::kernels::arch {

// Non-temporal (streaming) stores of one 128-bit vector (p aligned to 16 bytes; see elementwise.hpp's
// stream_store) and the fence that orders them before later stores.
template <class Arch>
struct x86_sse2<Arch, float> {
  static void stream_store(float* p, __m128 v) { _mm_stream_ps(p, v); }
  static void store_fence() { _mm_sfence(); }
};

template <class Arch>
struct x86_sse2<Arch, double> {
  static void stream_store(double* p, __m128d v) { _mm_stream_pd(p, v); }
  static void store_fence() { _mm_sfence(); }
};

}  // namespace nnsimd::kernels::arch

#endif  // __SSE2__
