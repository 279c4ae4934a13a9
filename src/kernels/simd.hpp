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
// The x86 vector ISAs, whose MAXPS/MINPS (and PD) return their second operand when either is NaN and
// when both are equal (signed zeros): xsimd's max/min map to them directly on sse2, avx and avx512f.
template <class Arch>
inline constexpr bool x86_minmax = std::is_base_of_v<xsimd::sse2, Arch> || std::is_base_of_v<xsimd::avx, Arch> ||
                                   std::is_base_of_v<xsimd::avx512f, Arch>;

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

// ---- in-register transpose -------------------------------------------------------------------------------
// transpose_blocks<W>(v), W a power of two dividing L (the lanes of batch<T, Arch>): every vector is seen
// as L / W blocks of W lanes, and in each block position q the W x W matrix whose row i is block q of v[i]
// (i < W) is transposed: on return lane W q + j of v[i] holds what lane W q + i of v[j] held. It is its
// own inverse. transpose<Arch>(v) is the whole L x L transposition (W = L).
// For kernels that vectorize short rows across rows: with row k + W q of an L-row block loaded into block
// q of v[k] (a masked load at the row's address minus W q), one transposition turns v[j] into column j
// of all L rows, for rows of up to W elements; the smaller W, the fewer shuffles.
// In registers on AVX-512 and AVX2 (has_register_transpose), shuffles per call:
//   AVX-512 float W = 4, 8, 16: 8, 24, 64 (unpack ps, unpack pd, 128-bit lane shuffles)
//   AVX-512 double W = 2, 4, 8: 2, 8, 24;  AVX2 float W = 4, 8: 8, 24;  AVX2 double W = 2, 4: 2, 8.
// Smaller W for float (2, 1) and elsewhere: through a buffer. Pure data movement: the bits are unchanged.
template <class Arch, class T>
inline constexpr bool has_register_transpose = is_avx512<Arch> || is_avx2<Arch>;

template <std::size_t W, class Arch, class T>
inline void transpose_blocks(xsimd::batch<T, Arch>* v) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  static_assert(W >= 1 && W <= L && L % W == 0 && (W & (W - 1)) == 0, "W: a power of two dividing L");
#if defined(__AVX512F__)
  if constexpr (is_avx512<Arch> && sizeof(T) == 4 && W >= 4) {
    // Unpack ps then unpack pd: u[4k + c] holds, in the 4-lane group g, element c of group g of rows
    // 4k .. 4k + 3 (for W = 4: done). W = 8: output row 4p + c takes group p of u[c] (rows 0-3) and of
    // u[4 + c] (rows 4-7) in each 8-lane block (masked 128-bit lane shuffles). W = 16: output row 4q + c
    // is group q of u[c], u[4 + c], u[8 + c], u[12 + c] (two rounds of lane shuffles).
    __m512 t[W], u[W];
    for (std::size_t k = 0; k < W / 2; ++k) {
      t[2 * k] = _mm512_unpacklo_ps(v[2 * k], v[2 * k + 1]);
      t[2 * k + 1] = _mm512_unpackhi_ps(v[2 * k], v[2 * k + 1]);
    }
    for (std::size_t k = 0; k < W / 4; ++k) {
      const __m512d a = _mm512_castps_pd(t[4 * k]), b = _mm512_castps_pd(t[4 * k + 2]);
      const __m512d c = _mm512_castps_pd(t[4 * k + 1]), d = _mm512_castps_pd(t[4 * k + 3]);
      u[4 * k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      u[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
      u[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
      u[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
    }
    if constexpr (W == 4) {
      for (std::size_t i = 0; i < 4; ++i) v[i] = u[i];
    } else if constexpr (W == 8) {
      for (std::size_t c = 0; c < 4; ++c) {
        v[c] = _mm512_mask_shuffle_f32x4(u[c], 0xF0F0, u[4 + c], u[4 + c], 0x80);
        v[4 + c] = _mm512_mask_shuffle_f32x4(u[4 + c], 0x0F0F, u[c], u[c], 0x31);
      }
    } else {
      for (std::size_t c = 0; c < 4; ++c) {
        const __m512 x0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x44), x1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xEE);
        const __m512 y0 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x44);
        const __m512 y1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xEE);
        v[c] = _mm512_shuffle_f32x4(x0, y0, 0x88);
        v[4 + c] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
        v[8 + c] = _mm512_shuffle_f32x4(x1, y1, 0x88);
        v[12 + c] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
      }
    }
    return;
  } else if constexpr (is_avx512<Arch> && sizeof(T) == 8 && W >= 2) {
    // Unpack pd: t[2k + c] holds, in the 2-lane group g, element c of group g of rows 2k, 2k + 1 (W = 2:
    // done). W = 4: output row 2p + c takes group p of t[c], t[2 + c] in each 4-lane block. W = 8: output
    // row 2q + c is group q of t[c], t[2 + c], t[4 + c], t[6 + c].
    __m512d t[W];
    for (std::size_t k = 0; k < W / 2; ++k) {
      t[2 * k] = _mm512_unpacklo_pd(v[2 * k], v[2 * k + 1]);
      t[2 * k + 1] = _mm512_unpackhi_pd(v[2 * k], v[2 * k + 1]);
    }
    if constexpr (W == 2) {
      v[0] = t[0];
      v[1] = t[1];
    } else if constexpr (W == 4) {
      for (std::size_t c = 0; c < 2; ++c) {
        v[c] = _mm512_mask_shuffle_f64x2(t[c], 0xCC, t[2 + c], t[2 + c], 0x80);
        v[2 + c] = _mm512_mask_shuffle_f64x2(t[2 + c], 0x33, t[c], t[c], 0x31);
      }
    } else {
      for (std::size_t c = 0; c < 2; ++c) {
        const __m512d x0 = _mm512_shuffle_f64x2(t[c], t[2 + c], 0x44), x1 = _mm512_shuffle_f64x2(t[c], t[2 + c], 0xEE);
        const __m512d y0 = _mm512_shuffle_f64x2(t[4 + c], t[6 + c], 0x44);
        const __m512d y1 = _mm512_shuffle_f64x2(t[4 + c], t[6 + c], 0xEE);
        v[c] = _mm512_shuffle_f64x2(x0, y0, 0x88);
        v[2 + c] = _mm512_shuffle_f64x2(x0, y0, 0xDD);
        v[4 + c] = _mm512_shuffle_f64x2(x1, y1, 0x88);
        v[6 + c] = _mm512_shuffle_f64x2(x1, y1, 0xDD);
      }
    }
    return;
  }
#endif
#if defined(__AVX2__)
  if constexpr (is_avx2<Arch> && sizeof(T) == 4 && W >= 4) {
    // As AVX-512 float: output row 4p + c is group p of u[c], u[4 + c].
    __m256 t[W], u[W];
    for (std::size_t k = 0; k < W / 2; ++k) {
      t[2 * k] = _mm256_unpacklo_ps(v[2 * k], v[2 * k + 1]);
      t[2 * k + 1] = _mm256_unpackhi_ps(v[2 * k], v[2 * k + 1]);
    }
    for (std::size_t k = 0; k < W / 4; ++k) {
      const __m256d a = _mm256_castps_pd(t[4 * k]), b = _mm256_castps_pd(t[4 * k + 2]);
      const __m256d c = _mm256_castps_pd(t[4 * k + 1]), d = _mm256_castps_pd(t[4 * k + 3]);
      u[4 * k] = _mm256_castpd_ps(_mm256_unpacklo_pd(a, b));
      u[4 * k + 1] = _mm256_castpd_ps(_mm256_unpackhi_pd(a, b));
      u[4 * k + 2] = _mm256_castpd_ps(_mm256_unpacklo_pd(c, d));
      u[4 * k + 3] = _mm256_castpd_ps(_mm256_unpackhi_pd(c, d));
    }
    if constexpr (W == 4) {
      for (std::size_t i = 0; i < 4; ++i) v[i] = u[i];
    } else {
      for (std::size_t c = 0; c < 4; ++c) {
        v[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
        v[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
      }
    }
    return;
  } else if constexpr (is_avx2<Arch> && sizeof(T) == 8 && W >= 2) {
    const __m256d t0 = _mm256_unpacklo_pd(v[0], v[1]), t1 = _mm256_unpackhi_pd(v[0], v[1]);
    if constexpr (W == 2) {
      v[0] = t0;
      v[1] = t1;
    } else {
      const __m256d t2 = _mm256_unpacklo_pd(v[2], v[3]), t3 = _mm256_unpackhi_pd(v[2], v[3]);
      v[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
      v[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
      v[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
      v[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
    }
    return;
  }
#endif
  alignas(64) T buf[W * L];
  for (std::size_t i = 0; i < W; ++i) v[i].store_aligned(buf + i * L);
  for (std::size_t i = 0; i < W; ++i) {
    alignas(64) T out[L];
    for (std::size_t q = 0; q < L; q += W)
      for (std::size_t j = 0; j < W; ++j) out[q + j] = buf[j * L + q + i];
    v[i] = V::load_aligned(out);
  }
}

template <class Arch, class T>
inline void transpose(xsimd::batch<T, Arch>* v) {
  transpose_blocks<xsimd::batch<T, Arch>::size>(v);
}

}  // namespace nnsimd::kernels::simd
