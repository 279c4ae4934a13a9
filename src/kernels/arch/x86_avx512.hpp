// AVX-512 (F, CD, DQ, BW, VL; 512-bit) code of the kernels: x86_avx512<Arch, T>, defined only when
// compiled with AVX-512 (src/isa/avx512.cpp); see arch.hpp.
//
// One struct per type, used by every AVX-512 path: the vector operations on __m512 / __m512d with
// compare-to-mask results (argmax's long rows, the one-hot cross-entropy's short rows), the first n lanes
// (masked load and store), the horizontal max, the in-register transposition, the streaming store, the
// 256- and 128-bit float blocks of softmax's short rows, the label compare of the fused loss and the
// permutes of the skinny dense plan.
//
// GCC 12 warns "__Y may be used uninitialized" inside its own AVX-512 intrinsics (_mm512_max_ps,
// _mm512_reduce_max_ps: the _mm512_undefined_ps self-initialization; GCC bug 105593, fixed in GCC 13),
// wherever they are inlined, through these wrappers or through xsimd: the softmax headers silence
// -Wmaybe-uninitialized and -Wuninitialized for their own code.
#pragma once

#include "kernels/arch/declarations.hpp"

#if defined(__AVX512F__)

#include <cstddef>
#include <cstdint>

#include <immintrin.h>

#include <xsimd/xsimd.hpp>

namespace nnsimd::kernels::arch {

template <class Arch>
struct x86_avx512<Arch, float> {
  using V = __m512;
  using M = __mmask16;  // one bit per lane
  using I = __m512i;    // 16 int32 lanes: permute indices (skinny plan)
  using Labels = __m512i;  // 16 int32 labels
  static constexpr std::size_t L = 16;
  using batch = xsimd::batch<float, Arch>;

  // ---- lanes ----------------------------------------------------------------------------------------
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float a) { return _mm512_set1_ps(a); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  // Masked loads: lanes whose mask bit is clear keep src (load_mask) or are 0 (load_maskz); their memory
  // is never accessed (no fault past the end of a row).
  static V load_mask(V src, M m, const float* p) { return _mm512_mask_loadu_ps(src, m, p); }
  static V load_maskz(M m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static void store_mask(float* p, M m, V v) { _mm512_mask_storeu_ps(p, m, v); }
  static void store_aligned(float* p, V v) { _mm512_store_ps(p, v); }
  // Non-temporal store (p aligned to 64 bytes; see elementwise.hpp's stream_store).
  static void stream_store(float* p, V v) { _mm512_stream_ps(p, v); }
  // Lane k = b[k] where bit k of m is set, a[k] elsewhere; blend<m> with m a constant.
  static V blend(M m, V a, V b) { return _mm512_mask_blend_ps(m, a, b); }
  template <unsigned m>
  static V blend(V a, V b) { return blend(static_cast<M>(m), a, b); }
  // The mask of lanes [first, first + count), first + count <= L.
  static M lanes(std::size_t first, std::size_t count) { return static_cast<M>(((1u << count) - 1) << first); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  // MAXPS/MINPS return their SECOND operand when one is NaN (and when both are zeros): max(x, m) never
  // lets a NaN x into a running max m.
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  static V min(V a, V b) { return _mm512_min_ps(a, b); }
  // clip(p, lo, hi) * t: max(lo, x) then min(hi, .): MAXPS/MINPS return their SECOND operand when one is
  // NaN, so a NaN x stays NaN, as numpy.clip; 2 ops instead of the 2 compares + 2 blends of `clip`.
  static V clip_mul(V p, V t, V lo, V hi) { return mul(min(hi, max(lo, p)), t); }
  // Compares to a lane mask: a or b NaN (unordered); a NaN; a == b (ordered).
  static unsigned unord(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q); }
  static unsigned nan_mask(V a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static unsigned eq_mask(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static float first(V v) { return _mm512_cvtss_f32(v); }
  // argmax's NaN flags (argmax.hpp): a lane mask, OR-ed compare by compare; exact.
  using NanFlags = unsigned;
  static NanFlags nan_flags(V a) { return nan_mask(a); }
  static NanFlags nan_flags(NanFlags f, V a, V b) { return f | unord(a, b); }
  static bool any_nan(NanFlags f) { return f != 0; }

  // In every slot of W lanes (W = 16, 8, 4, 2), the two halves swapped.
  template <std::size_t W>
  static V swap_halves(V y) {
    if constexpr (W == 16) return _mm512_shuffle_f32x4(y, y, 0x4E);
    else if constexpr (W == 8) return _mm512_shuffle_f32x4(y, y, 0xB1);
    else if constexpr (W == 4) return _mm512_permute_ps(y, 0x4E);
    else return _mm512_permute_ps(y, 0xB1);
  }
  // Every lane = the largest lane of v (no NaN in v): log2(16) swap + max steps.
  static V broadcast_max(V v) {
    v = max(v, swap_halves<16>(v));
    v = max(v, swap_halves<8>(v));
    v = max(v, swap_halves<4>(v));
    return max(v, swap_halves<2>(v));
  }
  // The largest lane of v (no NaN in v), as a scalar (simd::hmax).
  static float reduce_max(V v) { return _mm512_reduce_max_ps(v); }

  // ---- the first n < 16 lanes ---------------------------------------------------------------------
  static V load_first(const float* p, std::size_t n, float fill) {
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), static_cast<__mmask16>((1u << n) - 1), p);
  }
  static void store_first(float* p, std::size_t n, V v) {
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), v);
  }

  // ---- simd::transpose_blocks<W>(v), W = 4, 8, 16: 8, 24, 64 shuffles ---------------------------------
  // Unpack ps then unpack pd: u[4k + c] holds, in the 4-lane group g, element c of group g of rows
  // 4k .. 4k + 3 (for W = 4: done). W = 8: output row 4p + c takes group p of u[c] (rows 0-3) and of
  // u[4 + c] (rows 4-7) in each 8-lane block (masked 128-bit lane shuffles). W = 16: output row 4q + c
  // is group q of u[c], u[4 + c], u[8 + c], u[12 + c] (two rounds of lane shuffles).
  template <std::size_t W>
  static void transpose_blocks(batch* v) {
    static_assert(W == 4 || W == 8 || W == 16);
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
  }

  // ---- 256- and 128-bit float blocks (AVX-512VL masks), for softmax's short rows in registers --------
  // (softmax/registers.hpp load_rows / store_rows: a block of 4, 8 or 16 floats of a 512-bit vector is
  // one row or part of one; T = double rows are handled in float lanes through as_pd / from_pd.)
  using V8 = __m256;
  using V4 = __m128;
  using M8 = __mmask8;
  static V8 zero_256() { return _mm256_setzero_ps(); }
  static V8 load_256(const float* p) { return _mm256_loadu_ps(p); }
  static V8 load_maskz_256(M8 m, const float* p) { return _mm256_maskz_loadu_ps(m, p); }
  // lo in lanes 0-7, hi in lanes 8-15.
  static V join_256(V8 lo, V8 hi) { return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1); }
  // Lanes [8 Q, 8 Q + 8) / [4 Q, 4 Q + 4) of v.
  template <int Q>
  static V8 block_256(V v) {
    if constexpr (Q == 0) return _mm512_castps512_ps256(v);
    else return _mm512_extractf32x8_ps(v, Q);
  }
  template <int Q>
  static V4 block_128(V v) {
    if constexpr (Q == 0) return _mm512_castps512_ps128(v);
    else return _mm512_extractf32x4_ps(v, Q);
  }
  static void store(float* p, V8 v) { _mm256_storeu_ps(p, v); }
  static void store_mask(float* p, M8 m, V8 v) { _mm256_mask_storeu_ps(p, m, v); }
  static void store(float* p, V4 v) { _mm_storeu_ps(p, v); }
  static void store_mask(float* p, M8 m, V4 v) { _mm_mask_storeu_ps(p, m, v); }
  // The same 512 bits as doubles and back.
  static __m512d as_pd(V v) { return _mm512_castps_pd(v); }
  static V from_pd(__m512d v) { return _mm512_castpd_ps(v); }

  // ---- the fused loss's label pick (softmax/registers.hpp) ------------------------------------------
  // The first n labels (int32) of p, 0 in the other lanes.
  static Labels load_first_labels(const std::int32_t* p, std::size_t n) {
    return _mm512_maskz_loadu_epi32(static_cast<__mmask16>((1u << n) - 1), p);
  }
  // acc with the lanes whose label is j replaced by cj's.
  static V take_if_label(V acc, Labels lab, std::size_t j, V cj) {
    return _mm512_mask_mov_ps(acc, _mm512_cmpeq_epi32_mask(lab, _mm512_set1_epi32(static_cast<int>(j))), cj);
  }

  // ---- the skinny dense plan's permutes (dense/skinny.hpp, perm, skinny_plan::init) ----------------
  static I load_index(const std::int32_t* s) { return _mm512_load_si512(s); }
  static void store_index(std::int32_t* s, I i) { _mm512_store_si512(s, i); }
  // Lanes of x (whole numbers) truncated to int32 indices.
  static I to_index(V x) { return _mm512_cvttps_epi32(x); }
  // Lane l = a[i[l]] (vpermps); lane l = (lo:hi)[i[l]], i[l] < 32 (vpermt2ps).
  static V permute(V a, I i) { return _mm512_permutexvar_ps(i, a); }
  static V permute2(V lo, V hi, I i) { return _mm512_permutex2var_ps(lo, i, hi); }
};

template <class Arch>
struct x86_avx512<Arch, double> {
  using V = __m512d;
  using M = __mmask8;
  using I = __m512i;       // 8 int64 lanes: permute indices (skinny plan)
  using Labels = __m256i;  // 8 int32 labels
  static constexpr std::size_t L = 8;
  using batch = xsimd::batch<double, Arch>;

  // ---- lanes (as for float) -------------------------------------------------------------------------
  static V zero() { return _mm512_setzero_pd(); }
  static V set1(double a) { return _mm512_set1_pd(a); }
  static V load(const double* p) { return _mm512_loadu_pd(p); }
  static V load_mask(V src, M m, const double* p) { return _mm512_mask_loadu_pd(src, m, p); }
  static V load_maskz(M m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
  static void store_aligned(double* p, V v) { _mm512_store_pd(p, v); }
  static void stream_store(double* p, V v) { _mm512_stream_pd(p, v); }
  static V blend(M m, V a, V b) { return _mm512_mask_blend_pd(m, a, b); }
  template <unsigned m>
  static V blend(V a, V b) { return blend(static_cast<M>(m), a, b); }
  static M lanes(std::size_t first, std::size_t count) { return static_cast<M>(((1u << count) - 1) << first); }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
  static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  static V max(V a, V b) { return _mm512_max_pd(a, b); }
  static V min(V a, V b) { return _mm512_min_pd(a, b); }
  static V clip_mul(V p, V t, V lo, V hi) { return mul(min(hi, max(lo, p)), t); }
  static unsigned unord(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_UNORD_Q); }
  static unsigned nan_mask(V a) { return _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q); }
  static unsigned eq_mask(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
  static double first(V v) { return _mm512_cvtsd_f64(v); }
  using NanFlags = unsigned;
  static NanFlags nan_flags(V a) { return nan_mask(a); }
  static NanFlags nan_flags(NanFlags f, V a, V b) { return f | unord(a, b); }
  static bool any_nan(NanFlags f) { return f != 0; }

  // In every slot of W lanes (W = 8, 4, 2), the two halves swapped.
  template <std::size_t W>
  static V swap_halves(V y) {
    if constexpr (W == 8) return _mm512_shuffle_f64x2(y, y, 0x4E);
    else if constexpr (W == 4) return _mm512_shuffle_f64x2(y, y, 0xB1);
    else return _mm512_permute_pd(y, 0x55);
  }
  static V broadcast_max(V v) {
    v = max(v, swap_halves<8>(v));
    v = max(v, swap_halves<4>(v));
    return max(v, swap_halves<2>(v));
  }
  static double reduce_max(V v) { return _mm512_reduce_max_pd(v); }

  // ---- the first n < 8 lanes ----------------------------------------------------------------------
  static V load_first(const double* p, std::size_t n, double fill) {
    return _mm512_mask_loadu_pd(_mm512_set1_pd(fill), static_cast<__mmask8>((1u << n) - 1), p);
  }
  static void store_first(double* p, std::size_t n, V v) {
    _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << n) - 1), v);
  }

  // ---- simd::transpose_blocks<W>(v), W = 2, 4, 8: 2, 8, 24 shuffles -----------------------------------
  // Unpack pd: t[2k + c] holds, in the 2-lane group g, element c of group g of rows 2k, 2k + 1 (W = 2:
  // done). W = 4: output row 2p + c takes group p of t[c], t[2 + c] in each 4-lane block. W = 8: output
  // row 2q + c is group q of t[c], t[2 + c], t[4 + c], t[6 + c].
  template <std::size_t W>
  static void transpose_blocks(batch* v) {
    static_assert(W == 2 || W == 4 || W == 8);
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
  }

  // ---- the fused loss's label pick: 8 int32 labels in a 256-bit vector (AVX-512VL compare) -----------
  static Labels load_first_labels(const std::int32_t* p, std::size_t n) {
    return _mm256_maskz_loadu_epi32(static_cast<__mmask8>((1u << n) - 1), p);
  }
  static V take_if_label(V acc, Labels lab, std::size_t j, V cj) {
    return _mm512_mask_mov_pd(acc, _mm256_cmpeq_epi32_mask(lab, _mm256_set1_epi32(static_cast<int>(j))), cj);
  }

  // ---- the skinny dense plan's permutes: int64 indices ----------------------------------------------
  static I load_index(const std::int64_t* s) { return _mm512_load_si512(s); }
  static void store_index(std::int64_t* s, I i) { _mm512_store_si512(s, i); }
  static I to_index(V x) { return _mm512_cvttpd_epi64(x); }
  static V permute(V a, I i) { return _mm512_permutexvar_pd(i, a); }
  static V permute2(V lo, V hi, I i) { return _mm512_permutex2var_pd(lo, i, hi); }
};

}  // namespace nnsimd::kernels::arch

#endif  // __AVX512F__
