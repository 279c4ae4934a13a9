// AVX and AVX2 (256-bit) code of the kernels: x86_avx2<Arch, T>, defined when compiled with AVX (the
// streaming store), its other members with AVX2; see arch.hpp.
#pragma once

#include "kernels/arch/declarations.hpp"

#if defined(__AVX__)

#include <cstddef>
#include <cstdint>

#include <immintrin.h>

#include <xsimd/xsimd.hpp>

namespace nnsimd::kernels::arch {

#if defined(__AVX2__)
// The compare (ordered ==) of the 4 vectors at p with v as one 32-bit mask in element order, a bit per
// 32-bit half-lane (a float, or half a double): two signed packs narrow the four compare results to one
// byte per half-lane (each pack works within 128-bit halves, so the 4-byte groups come out in the order
// v0[0:4] v1[0:4] v2[0:4] v3[0:4] v0[4:8] ...), one vpermd restores element order, and one vpmovmskb
// takes the mask: 8 instructions for 4 vectors, where a movemask per vector would take 4 compares, 4
// movemasks and 3 shifts and ORs to build the same mask.
template <class Arch, class T, class V>
inline unsigned mask4(const T* p, V v) {
  __m256i c[4];
  for (int i = 0; i < 4; ++i) {
    if constexpr (sizeof(T) == 4)
      c[i] = _mm256_castps_si256(_mm256_cmp_ps(_mm256_loadu_ps(p + 8 * i), v, _CMP_EQ_OQ));
    else
      c[i] = _mm256_castpd_si256(_mm256_cmp_pd(_mm256_loadu_pd(p + 4 * i), v, _CMP_EQ_OQ));
  }
  const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(c[0], c[1]), _mm256_packs_epi32(c[2], c[3]));
  const __m256i ordered = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  return static_cast<unsigned>(_mm256_movemask_epi8(ordered));
}
#endif  // __AVX2__

template <class Arch>
struct x86_avx2<Arch, float> {
  using V = __m256;
  using batch = xsimd::batch<float, Arch>;

  // Non-temporal store of one vector (p aligned to 32 bytes; see elementwise.hpp's stream_store).
  static void stream_store(float* p, V v) { _mm256_stream_ps(p, v); }

#if defined(__AVX2__)
  // The first n < 8 floats of p, `fill` in the other lanes: a masked load (xsimd 8.1 does not expose
  // it; masked-off lanes never fault) and a blend. (The masked STORE, vmaskmovps to memory, is microcoded
  // and slow on AMD: simd::store_first goes through a buffer on AVX2.)
  static V load_first(const float* p, std::size_t n, float fill) {
    const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }

  // ---- argmax's long rows (argmax.hpp, argmax_long_x86): x86_avx512's operations, with the lane
  // masks of compares taken by movemask.
  static constexpr std::size_t L = 8;
  static V set1(float a) { return _mm256_set1_ps(a); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  // MAXPS returns its SECOND operand when one is NaN: max(x, m) never lets a NaN x into a running max m.
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  // NaN flags: unordered compares OR-ed into a vector (a lane is all ones once a NaN was seen), exact;
  // one movemask per chunk. (argmax_long's check sums, adds instead of compares, were timed as well:
  // 1.1-1.6x slower on the Zen 3 over rows of 128-257 floats in L2.)
  using NanFlags = __m256;
  static NanFlags nan_flags(V a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static NanFlags nan_flags(NanFlags f, V a, V b) { return _mm256_or_ps(f, _mm256_cmp_ps(a, b, _CMP_UNORD_Q)); }
  static bool any_nan(NanFlags f) { return _mm256_movemask_ps(f) != 0; }
  static unsigned nan_mask(V a) { return static_cast<unsigned>(_mm256_movemask_ps(nan_flags(a))); }
  static unsigned eq_mask(V a, V b) { return static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_EQ_OQ))); }
  static float first(V v) { return _mm256_cvtss_f32(v); }
  // One mask for the 4 vectors at p: bit b is set iff element b of p[0, 32) equals v.
  static constexpr int mask4_shift = 0;
  static unsigned eq_mask4(const float* p, V v) { return mask4<Arch>(p, v); }
  // Every lane = the largest lane of v (no NaN in v): 128-bit halves, then pairs, then neighbours.
  static V broadcast_max(V v) {
    v = max(v, swap_halves<8>(v));
    v = max(v, swap_halves<4>(v));
    return max(v, swap_halves<2>(v));
  }

  // ---- the one-hot cross-entropy's short rows (categorical_cross_entropy/onehot_short.hpp): x86_avx512's
  // operations, with a vector of lane masks (all ones or zero per lane) for its bit masks.
  using M = __m256i;
  static V zero() { return _mm256_setzero_ps(); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  // clip(p, lo, hi) * t, a NaN p kept (MAXPS/MINPS return their second operand on NaN).
  static V clip_mul(V p, V t, V lo, V hi) { return _mm256_mul_ps(min(hi, max(lo, p)), t); }
  // Lanes [first, first + count), first + count <= 8.
  static M lanes(std::size_t first, std::size_t count) {
    const __m256i k = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i from = _mm256_set1_epi32(static_cast<int>(first));
    return _mm256_andnot_si256(_mm256_cmpgt_epi32(from, k), _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(first + count)), k));
  }
  // Lanes of m from p (the others' memory is never accessed), src's (load_mask) or 0 (load_maskz)
  // elsewhere.
  static V load_mask(V src, M m, const float* p) {
    return _mm256_blendv_ps(src, _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  static V load_maskz(M m, const float* p) { return _mm256_maskload_ps(p, m); }
  // Lane k = b[k] where m is set, a[k] elsewhere; blend<m> with bit k of a constant m.
  static V blend(M m, V a, V b) { return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(m)); }
  template <unsigned m>
  static V blend(V a, V b) { return _mm256_blend_ps(a, b, m); }
  // In every slot of W lanes (W = 8, 4, 2), the two halves swapped.
  template <std::size_t W>
  static V swap_halves(V y) {
    if constexpr (W == 8) return _mm256_permute2f128_ps(y, y, 0x01);
    else if constexpr (W == 4) return _mm256_permute_ps(y, 0x4E);
    else return _mm256_permute_ps(y, 0xB1);
  }

  // simd::transpose_blocks<W>(v) for W = 4 (8 shuffles) or 8 (24). As AVX-512 float
  // (x86_avx512.hpp): unpack ps then unpack pd; output row 4p + c is group p of u[c], u[4 + c].
  template <std::size_t W>
  static void transpose_blocks(batch* v) {
    static_assert(W == 4 || W == 8);
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
  }

  // ---- the skinny dense plan's permutes (dense/skinny.hpp, perm): int32 float-lane indices ----------
  static __m256i load_index(const std::int32_t* s) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(s)); }

  // Lane l of the result = element i[l] of lo (Two = false) or of the concatenation lo:hi (Two).
  template <bool Two>
  static V permute(V lo, V hi, __m256i i) {
    V r = _mm256_permutevar8x32_ps(lo, i);
    if constexpr (Two) {
      // vpermps uses the low 3 index bits; lanes whose index is >= 8 take the permute of hi.
      const __m256 from_hi = _mm256_castsi256_ps(_mm256_cmpgt_epi32(i, _mm256_set1_epi32(7)));
      r = _mm256_blendv_ps(r, _mm256_permutevar8x32_ps(hi, i), from_hi);
    }
    return r;
  }
#endif  // __AVX2__
};

template <class Arch>
struct x86_avx2<Arch, double> {
  using V = __m256d;
  using batch = xsimd::batch<double, Arch>;

  static void stream_store(double* p, V v) { _mm256_stream_pd(p, v); }

#if defined(__AVX2__)
  // As float: the first n < 4 doubles of p, `fill` elsewhere.
  static V load_first(const double* p, std::size_t n, double fill) {
    const __m256i m = _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(n)), _mm256_setr_epi64x(0, 1, 2, 3));
    return _mm256_blendv_pd(_mm256_set1_pd(fill), _mm256_maskload_pd(p, m), _mm256_castsi256_pd(m));
  }

  // ---- argmax's long rows (as float) -------------------------------------------------------------------
  static constexpr std::size_t L = 4;
  static V set1(double a) { return _mm256_set1_pd(a); }
  static V load(const double* p) { return _mm256_loadu_pd(p); }
  static V max(V a, V b) { return _mm256_max_pd(a, b); }
  using NanFlags = __m256d;
  static NanFlags nan_flags(V a) { return _mm256_cmp_pd(a, a, _CMP_UNORD_Q); }
  static NanFlags nan_flags(NanFlags f, V a, V b) { return _mm256_or_pd(f, _mm256_cmp_pd(a, b, _CMP_UNORD_Q)); }
  static bool any_nan(NanFlags f) { return _mm256_movemask_pd(f) != 0; }
  static unsigned nan_mask(V a) { return static_cast<unsigned>(_mm256_movemask_pd(nan_flags(a))); }
  static unsigned eq_mask(V a, V b) { return static_cast<unsigned>(_mm256_movemask_pd(_mm256_cmp_pd(a, b, _CMP_EQ_OQ))); }
  static double first(V v) { return _mm256_cvtsd_f64(v); }
  // As float, over the 16 doubles at p: bits 2b and 2b + 1 are set iff element b equals v.
  static constexpr int mask4_shift = 1;
  static unsigned eq_mask4(const double* p, V v) { return mask4<Arch>(p, v); }
  static V broadcast_max(V v) {
    v = max(v, swap_halves<4>(v));
    return max(v, swap_halves<2>(v));
  }

  // ---- the one-hot cross-entropy's short rows (as float) --------------------------------------------
  using M = __m256i;
  static V zero() { return _mm256_setzero_pd(); }
  static V add(V a, V b) { return _mm256_add_pd(a, b); }
  static V min(V a, V b) { return _mm256_min_pd(a, b); }
  static V clip_mul(V p, V t, V lo, V hi) { return _mm256_mul_pd(min(hi, max(lo, p)), t); }
  static M lanes(std::size_t first, std::size_t count) {
    const __m256i k = _mm256_setr_epi64x(0, 1, 2, 3);
    const __m256i from = _mm256_set1_epi64x(static_cast<long long>(first));
    return _mm256_andnot_si256(_mm256_cmpgt_epi64(from, k),
                               _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(first + count)), k));
  }
  static V load_mask(V src, M m, const double* p) {
    return _mm256_blendv_pd(src, _mm256_maskload_pd(p, m), _mm256_castsi256_pd(m));
  }
  static V load_maskz(M m, const double* p) { return _mm256_maskload_pd(p, m); }
  static V blend(M m, V a, V b) { return _mm256_blendv_pd(a, b, _mm256_castsi256_pd(m)); }
  template <unsigned m>
  static V blend(V a, V b) { return _mm256_blend_pd(a, b, m); }
  template <std::size_t W>
  static V swap_halves(V y) {
    if constexpr (W == 4) return _mm256_permute2f128_pd(y, y, 0x01);
    else return _mm256_permute_pd(y, 0x5);
  }

  // simd::transpose_blocks<W>(v) for W = 2 (2 shuffles) or 4 (8).
  template <std::size_t W>
  static void transpose_blocks(batch* v) {
    static_assert(W == 2 || W == 4);
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
  }

  // ---- the skinny dense plan's permutes: int32 FLOAT-lane indices (a double lane s is float lanes 2s,
  // 2s + 1), so one vpermps serves both types.
  static __m256i load_index(const std::int32_t* s) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(s)); }

  template <bool Two>
  static V permute(V lo, V hi, __m256i i) {
    const __m256 a = _mm256_castpd_ps(lo), c = _mm256_castpd_ps(hi);
    return _mm256_castps_pd(x86_avx2<Arch, float>::template permute<Two>(a, c, i));
  }
#endif  // __AVX2__
};

}  // namespace nnsimd::kernels::arch

#endif  // __AVX__
