// Vector helpers shared by the kernels: ISA traits, the first n < L lanes of a vector (tails without a
// scalar loop over the row) and the horizontal max. Templates on Arch like every kernel function.
#pragma once

#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace nnsimd::kernels::simd {

template <class Arch>
inline constexpr bool is_avx512 = std::is_base_of_v<xsimd::avx512f, Arch>;
template <class Arch>
inline constexpr bool is_avx2 = std::is_base_of_v<xsimd::avx2, Arch>;

// The first n < L elements of p into a vector whose other lanes hold `fill`. AVX-512 and AVX2 load with
// a mask (xsimd 8.1 exposes neither; masked-off lanes never fault); elsewhere a small aligned buffer.
template <class Arch, class T>
inline xsimd::batch<T, Arch> load_first(const T* p, std::size_t n, T fill = T(0)) {
  using V = xsimd::batch<T, Arch>;
#if defined(__AVX512F__)
  if constexpr (is_avx512<Arch>) {
    if constexpr (sizeof(T) == 4)
      return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), static_cast<__mmask16>((1u << n) - 1), p);
    else
      return _mm512_mask_loadu_pd(_mm512_set1_pd(fill), static_cast<__mmask8>((1u << n) - 1), p);
  }
#endif
#if defined(__AVX2__)
  if constexpr (is_avx2<Arch>) {
    if constexpr (sizeof(T) == 4) {
      const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
      return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
    } else {
      const __m256i m = _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(n)), _mm256_setr_epi64x(0, 1, 2, 3));
      return _mm256_blendv_pd(_mm256_set1_pd(fill), _mm256_maskload_pd(p, m), _mm256_castsi256_pd(m));
    }
  }
#endif
  alignas(64) T buf[V::size];
  for (std::size_t i = 0; i < V::size; ++i) buf[i] = i < n ? p[i] : fill;
  return V::load_aligned(buf);
}

// Writes the first n <= L lanes of v to p. AVX-512 stores with a mask; AVX2's masked store (vmaskmovps)
// is microcoded and slow on AMD (per-row softmax of 1024 x 10 took 3x longer with it on Zen 4), so AVX2
// and the rest go through a buffer.
template <class Arch, class T>
inline void store_first(T* p, std::size_t n, const xsimd::batch<T, Arch>& v) {
  using V = xsimd::batch<T, Arch>;
  if (n == V::size) {
    v.store_unaligned(p);
    return;
  }
#if defined(__AVX512F__)
  if constexpr (is_avx512<Arch>) {
    if constexpr (sizeof(T) == 4)
      _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), v);
    else
      _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << n) - 1), v);
    return;
  }
#endif
  alignas(64) T buf[V::size];
  v.store_aligned(buf);
  for (std::size_t i = 0; i < n; ++i) p[i] = buf[i];
}

// The largest lane of v, which must hold no NaN (callers detect NaN separately or let it propagate
// through a sum). AVX-512: log2(L) shuffle + max steps instead of L scalar compares.
template <class Arch, class T>
inline T hmax(const xsimd::batch<T, Arch>& v) {
  using V = xsimd::batch<T, Arch>;
#if defined(__AVX512F__)
  if constexpr (is_avx512<Arch>) {
    if constexpr (sizeof(T) == 4)
      return _mm512_reduce_max_ps(v);
    else
      return _mm512_reduce_max_pd(v);
  }
#endif
  alignas(64) T buf[V::size];
  v.store_aligned(buf);
  T m = buf[0];
  for (std::size_t i = 1; i < V::size; ++i) m = buf[i] > m ? buf[i] : m;
  return m;
}

}  // namespace nnsimd::kernels::simd
