// softmax and the fused softmax cross-entropy on logits.
//
// Both start from the same two facts per row: m = max_j x_j, and s = sum_j exp(x_j - m). softmax writes
// exp(x_j - m) / s; the fused loss is logsumexp(x) - x_label = (m - x_label) + log(s).
//
// Two code paths, chosen from cols alone (never from the thread partition, so results are bit-identical
// for every thread count):
//  * short rows (cols < across_cols<Arch, T>): L = lanes rows at a time, transposed so that one vector
//    holds one column of L rows. Every per-row quantity (max, sum, 1/s, log) is then an ordinary
//    lane-wise vector op: no horizontal reductions and no scalar tails. The book's 300 x 3 runs 19
//    blocks of 3 vectors instead of 300 rows of one partial vector each. AVX-512 and AVX2 transpose in
//    registers (simd::transpose_blocks, one load and one store per row and chunk of columns); the other
//    ISAs (and AVX2 float rows shorter than L) through a tile in memory.
//  * long rows: one row at a time, software-pipelined: the exp pass of row r (exp(x - m) stored into y,
//    summed) also computes the max of row r + 1 and scales row r - 1 by its 1/s, so each row is read
//    twice and written twice, with the memory-bound work hidden under exp's arithmetic. Storing and
//    rescaling beats recomputing exp: a load, a multiply and a store per vector against ~16 ops.
// Measured (avx512, float, one thread, Zen 4, best of many calls): 256 x 1000 in 71 us, 64 x 32000 in
// 500 us, 4096 x 128 in 146 us, i.e. 1.16x, 1.02x, 1.17x the time of xsimd::exp alone at 4.2 G/s;
// Eigen row by row takes 1.6x, 1.7x, 3.1x as long. Short rows (benchmark medians, one run, peers in the
// same process): 300 x 3 in 0.72 us (Eigen 4.9 us: 6.7x), 1024 x 10 in 6.5 us (oneDNN 20.9 us: 3.2x;
// xsimd::exp alone 2.4 us); the tile path took 1.31 and 9.66 us. Fused loss: 0.63 and 4.6 us (tile
// path 1.22 and 7.5 us; Eigen 4.35 and 39 us).
//
// exp is our own (exp_nonpos below), valid for t = x - m <= 0 only, which is all softmax needs: no
// overflow handling, one compare for underflow. Its error was measured over every float in [-104, 0]
// (numerics/tolerance.hpp, softmax section).
//
// Special values follow NumPy with no special-case code: a NaN x gives t = NaN and exp(NaN) = NaN; a
// +inf x makes m = +inf and t = inf - inf = NaN; an all -inf row gives m = -inf and t = NaN. One NaN t
// makes s NaN and so the whole row (every y = e / s, the loss = ... + log(s)) NaN. A -inf entry with a
// finite m gives t = -inf and exp = 0 exactly.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "kernels/parallel.hpp"
#include "kernels/simd.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

// GCC 12 warns "__Y may be used uninitialized" inside its own AVX-512 intrinsics (_mm512_max_ps,
// _mm512_reduce_max_ps: the _mm512_undefined_ps self-initialization; GCC bug 105593, fixed in GCC 13).
// Silenced for this header only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace nnsimd::kernels {
namespace softmax_detail {

using simd::hmax;
using simd::load_first;
using simd::store_first;

// ---- exp for t <= 0 ------------------------------------------------------------------------------------
// exp(t) = 2^n * exp(r), n = round(t / ln 2), r = t - n ln 2 in [-ln2/2, ln2/2] (a hair more without FMA,
// where n comes from a rounded product).
//  * n by the magic-bias trick: t*log2(e) + 1.5*2^23 (float) lands where the float's ulp is 1, so the
//    addition rounds to the nearest integer and the low mantissa bits hold n. The bias also carries the
//    exponent bias (127 / 1023), so shifting the bits left by 23 (52) gives the bits of 2^n directly.
//  * r in two steps (Cody-Waite): ln2_hi has few enough significant bits that n * ln2_hi is exact for
//    every n we keep (|n| <= 126 / 1022), so t - n ln2_hi is exact; ln2_lo = ln2 - ln2_hi carries the rest.
//  * exp(r) = 1 + r p(r): float p of degree 5 (a degree-6 polynomial, Remez-fitted for relative error on
//    [-0.3466, 0.3466], |error| 2.6e-9 = 0.04 u); double p = Taylor to degree 13 (remainder
//    0.3466^14 / 14! = 4e-18 = 0.04 u). exp(0) = 1 exactly, so s >= 1.
//  * e = s + (r s) p: the last operation adds the small correction to the exact power of two.
//  * t < cutoff = ln(smallest normal) would need n < -126 (-1022): those results (below 2^-126, 2^-1022)
//    are flushed to 0, an absolute error below the smallest normal. -inf and t < cutoff give exactly 0;
//    NaN fails the compare and propagates.
template <class T>
struct exp_constants;

template <>
struct exp_constants<float> {
  using int_type = std::int32_t;
  static constexpr int mantissa_bits = 23;
  static constexpr float log2e = 0x1.715476p+0f;
  static constexpr float magic = 0x1.8000FEp23f;  // 1.5 * 2^23 + 127
  static constexpr float ln2_hi = 0x1.62E400p-1f;  // 15 significant bits: n * ln2_hi exact for |n| < 2^9
  static constexpr float ln2_lo = 0x1.7F7D1Cp-20f;
  static constexpr float cutoff = -0x1.5D589Ep6f;  // -87.33654 = ln(2^-126)
  static constexpr int degree = 6;
  // exp(r) ~ 1 + c1 r + ... + c6 r^6
  static constexpr float c[degree + 1] = {1.0f,          0x1p+0f,        0x1.000002p-1f, 0x1.5553c0p-3f,
                                          0x1.55515ep-5f, 0x1.12904ep-7f, 0x1.709b92p-10f};
};

template <>
struct exp_constants<double> {
  using int_type = std::int64_t;
  static constexpr int mantissa_bits = 52;
  static constexpr double log2e = 0x1.71547652b82fep+0;
  static constexpr double magic = 0x1.8p52 + 1023.0;
  static constexpr double ln2_hi = 0x1.62e42fee00000p-1;  // 32 significant bits (fdlibm's ln2_hi)
  static constexpr double ln2_lo = 0x1.a39ef35793c76p-33;
  static constexpr double cutoff = -0x1.6232bdd7abcd2p+9;  // -708.3964185322641 = ln(2^-1022)
  static constexpr int degree = 13;
  // Taylor: 1/k!, rounded to double
  static constexpr double c[degree + 1] = {1.0,
                                           1.0,
                                           0.5,
                                           1.0 / 6,
                                           1.0 / 24,
                                           1.0 / 120,
                                           1.0 / 720,
                                           1.0 / 5040,
                                           1.0 / 40320,
                                           1.0 / 362880,
                                           1.0 / 3628800,
                                           1.0 / 39916800,
                                           1.0 / 479001600,
                                           1.0 / 6227020800};
};

// exp(t) for t <= 0, -inf or NaN (t > 0 is not supported: no overflow handling).
template <class Arch, class T>
inline xsimd::batch<T, Arch> exp_nonpos(const xsimd::batch<T, Arch>& t) {
  using V = xsimd::batch<T, Arch>;
  using K = exp_constants<T>;
  using I = xsimd::batch<typename K::int_type, Arch>;
  const V biased = xsimd::fma(t, V(K::log2e), V(K::magic));
  const V n = biased - V(K::magic);
  const V scale = xsimd::bitwise_cast<V>(xsimd::bitwise_cast<I>(biased) << K::mantissa_bits);
  V r = xsimd::fma(n, V(-K::ln2_hi), t);
  r = xsimd::fma(n, V(-K::ln2_lo), r);
  V p(K::c[K::degree]);
  for (int k = K::degree - 1; k >= 1; --k) p = xsimd::fma(p, r, V(K::c[k]));
  const V e = xsimd::fma(r * scale, p, scale);
  return xsimd::select(t < V(K::cutoff), V(0), e);
}

// ---- long rows ------------------------------------------------------------------------------------------
// The max of x[i, n) folded into two accumulators: full vectors alternate between m0 and m1 in pairs
// (the 2L loops below), then single vectors into m0 and the partial one into m1. row_max and the max
// carried by exp_sum both follow exactly this order, so a row's m is the same whichever computes it
// (bit-identical results for every thread partition, NaN payloads included).
template <class Arch, class T>
inline T max_rest(const T* x, std::size_t n, std::size_t i, xsimd::batch<T, Arch> m0, xsimd::batch<T, Arch> m1) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  for (; i + L <= n; i += L) m0 = xsimd::max(m0, V::load_unaligned(x + i));
  if (i < n) m1 = xsimd::max(m1, load_first<Arch>(x + i, n - i, -std::numeric_limits<T>::infinity()));
  return hmax<Arch>(xsimd::max(m0, m1));
}

template <class Arch, class T>
inline T row_max(const T* x, std::size_t n) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  V m0(-std::numeric_limits<T>::infinity()), m1 = m0;
  std::size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    m0 = xsimd::max(m0, V::load_unaligned(x + i));
    m1 = xsimd::max(m1, V::load_unaligned(x + i + L));
  }
  return max_rest<Arch>(x, n, i, m0, m1);
}

template <class Arch, class T>
inline void scale_row(T* y, std::size_t n, T f) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  const V fv(f);
  std::size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    (V::load_unaligned(y + i) * fv).store_unaligned(y + i);
    (V::load_unaligned(y + i + L) * fv).store_unaligned(y + i + L);
  }
  for (; i + L <= n; i += L) (V::load_unaligned(y + i) * fv).store_unaligned(y + i);
  if (i < n) store_first<Arch>(y + i, n - i, load_first<Arch>(y + i, n - i, T(0)) * fv);
}

// Rows are processed as a pipeline: the exp pass of row r, which is bound by exp's arithmetic (about 10
// FMA-port operations per vector), also carries the memory-bound work of its neighbours, which has
// load, store and add slots to spare:
//  * `next` (may be null), the next row's x: its max (max_rest order), returned in next_max. The next
//    row then starts its exp pass at once, instead of after a max pass of its own plus a reduction
//    whose latency stalls the pipeline. Measured against a separate max pass (with the next row
//    prefetched during this loop), avx512 f32, one thread: 256 x 1000 1.00x, 64 x 32000 0.89x,
//    4096 x 128 0.95x, 2048 x 64 0.94x of the time; avx2 0.94-0.99x.
//  * `prev` (may be null), the previous row's y: scaled by prev_f here, vector by vector, instead of in
//    a pass of its own (the same products as scale_row, so the same bits).
// Returns sum_j exp(x_j - m); with Store also writes y_j = exp(x_j - m). Two sum accumulators: one add
// per ~16 ops of exp hides the add latency. In place (y == x) is safe: each vector is read before it is
// written, the tail uses a masked / partial store, and prev and next are other rows.
template <class Arch, bool Store, class T>
inline T exp_sum(const T* x, T* y, std::size_t n, T m, const T* next, T& next_max, T* prev, T prev_f) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  const V mv(m), pf(prev_f);
  V s0(T(0)), s1(T(0));
  V m0(-std::numeric_limits<T>::infinity()), m1 = m0;
  std::size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    if (next != nullptr) {
      m0 = xsimd::max(m0, V::load_unaligned(next + i));
      m1 = xsimd::max(m1, V::load_unaligned(next + i + L));
    }
    if (prev != nullptr) {
      (V::load_unaligned(prev + i) * pf).store_unaligned(prev + i);
      (V::load_unaligned(prev + i + L) * pf).store_unaligned(prev + i + L);
    }
    const V e0 = exp_nonpos<Arch>(V::load_unaligned(x + i) - mv);
    const V e1 = exp_nonpos<Arch>(V::load_unaligned(x + i + L) - mv);
    if constexpr (Store) {
      e0.store_unaligned(y + i);
      e1.store_unaligned(y + i + L);
    }
    s0 += e0;
    s1 += e1;
  }
  if (next != nullptr) next_max = max_rest<Arch>(next, n, i, m0, m1);
  if (prev != nullptr) scale_row<Arch>(prev + i, n - i, prev_f);
  for (; i + L <= n; i += L) {
    const V e = exp_nonpos<Arch>(V::load_unaligned(x + i) - mv);
    if constexpr (Store) e.store_unaligned(y + i);
    s0 += e;
  }
  if (i < n) {
    // Unloaded lanes are -inf: exp(-inf - m) = 0 for any m but -inf, and m = -inf means an all -inf row,
    // NaN anyway.
    const V e = exp_nonpos<Arch>(load_first<Arch>(x + i, n - i, -std::numeric_limits<T>::infinity()) - mv);
    if constexpr (Store) store_first<Arch>(y + i, n - i, e);
    s1 += e;
  }
  return xsimd::hadd(s0 + s1);
}

// Rows [r0, r1), pipelined (see exp_sum): row r's max comes from row r - 1's exp pass and row r is
// scaled during row r + 1's. The first row of the range computes its max alone, the last is scaled
// alone: the same operations in the same order, so the same bits whichever thread takes the row.
template <class Arch, class T>
void softmax_rows(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t r0, std::size_t r1, std::size_t cols) {
  T* prev = nullptr;
  T prev_f = 0;
  T m = row_max<Arch>(x + r0 * ldx, cols);
  for (std::size_t r = r0; r < r1; ++r) {
    const T* xr = x + r * ldx;
    T* yr = y + r * ldy;
    T next_m = 0;
    const T s = exp_sum<Arch, true>(xr, yr, cols, m, r + 1 < r1 ? xr + ldx : nullptr, next_m, prev, prev_f);
    prev = yr;
    prev_f = T(1) / s;
    m = next_m;
  }
  scale_row<Arch>(prev, cols, prev_f);
}

template <class Arch, class T>
void softmax_cce_rows(const T* x, std::size_t ldx, const std::int32_t* labels, T* losses, std::size_t r0,
                      std::size_t r1, std::size_t cols) {
  T m = row_max<Arch>(x + r0 * ldx, cols);
  for (std::size_t r = r0; r < r1; ++r) {
    const T* xr = x + r * ldx;
    T next_m = 0;
    const T s = exp_sum<Arch, false>(xr, static_cast<T*>(nullptr), cols, m, r + 1 < r1 ? xr + ldx : nullptr,
                                               next_m, static_cast<T*>(nullptr), T(0));
    losses[r] = (m - xr[labels[r]]) + std::log(s);
    m = next_m;
  }
}

// ---- short rows: L rows per block, one column of the block per vector -----------------------------------
// Rows shorter than max(2L, 16) take the across-rows path. Measured on Zen 4, 1024 rows, one thread, with
// the tile path (gathers in, two scalar memory operations per element out) against the per-row path,
// which pays two horizontal reductions, a division and partial vectors per row: avx512 f32 across won
// 5.4x at 3 columns, 2.0x at 10, 1.2x at 24, lost 0.7x at 32; avx512 f64 (L = 8): 1.5x at 10, 0.85x at
// 16-24. With 2 or 4 lanes (sse2, avx2 double) the per-row overheads weigh more than the lanes: at least
// 16. With the in-register transposition (below) avx512 f32 at 31 columns and the per-row path at 32
// take the same time (15.5, 15.3 us; the fused loss 12.0 against 16.5 us); f64 at 15 and 16 as well.
template <class Arch, class T>
inline constexpr std::size_t across_cols = 2 * xsimd::batch<T, Arch>::size < 16 ? 16 : 2 * xsimd::batch<T, Arch>::size;

// A hardware gather (AVX2, AVX-512) loads a column of a full block in one instruction, with int32
// offsets r * ld + j; partial blocks and strides whose offsets overflow int32 go through scalar loads.
// The tile holds the same values either way, so a row's result does not depend on which way it went.
// Measured, float, one thread, against scalar loads: avx2 300 x 3 0.82x / 1024 x 10 0.85x of the
// time, avx512 about 1.0x. The AVX-512 scatter for the way back was slower than scalar stores
// (1024 x 10: 1.21x), so results leave through the tile.
template <class Arch, class T>
inline constexpr bool has_gather = std::is_same_v<T, float> && std::is_base_of_v<xsimd::avx2, Arch>;

template <class Arch, class T>
inline bool offsets_fit(std::size_t ld, std::size_t cols) {
  constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  return (L - 1) * ld + cols <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max());
}

template <class Arch>
inline xsimd::batch<std::int32_t, Arch> row_offsets(std::size_t ld) {
  using VI = xsimd::batch<std::int32_t, Arch>;
  alignas(64) std::int32_t b[VI::size];
  for (std::size_t k = 0; k < VI::size; ++k) b[k] = static_cast<std::int32_t>(k * ld);
  return VI::load_aligned(b);
}

// The tile of one block: column j of rows r0 .. r0 + nr in tile[j * L .. j * L + L); rows past nr hold 0
// (finite, their results are never written back).
template <class Arch, class T>
inline void gather_block(const T* x, std::size_t ldx, std::size_t nr, std::size_t cols, T* tile, bool fast) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  if constexpr (has_gather<Arch, T>) {
    if (fast && nr == L) {
      const auto offs = row_offsets<Arch>(ldx);
      for (std::size_t j = 0; j < cols; ++j) V::gather(x + j, offs).store_aligned(tile + j * L);
      return;
    }
  }
  for (std::size_t r = 0; r < nr; ++r)
    for (std::size_t j = 0; j < cols; ++j) tile[j * L + r] = x[r * ldx + j];
  for (std::size_t r = nr; r < L; ++r)
    for (std::size_t j = 0; j < cols; ++j) tile[j * L + r] = T(0);
}

// Per lane: m = max over the tile's columns, s = sum of exp(column - m); with Store the exps replace
// the tile.
template <class Arch, bool Store, class T>
inline xsimd::batch<T, Arch> tile_exp_sum(T* tile, std::size_t cols, xsimd::batch<T, Arch>& m) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  m = V::load_aligned(tile);
  for (std::size_t j = 1; j < cols; ++j) m = xsimd::max(m, V::load_aligned(tile + j * L));
  V s(T(0));
  for (std::size_t j = 0; j < cols; ++j) {
    const V e = exp_nonpos<Arch>(V::load_aligned(tile + j * L) - m);
    if constexpr (Store) e.store_aligned(tile + j * L);
    s += e;
  }
  return s;
}

template <class Arch, class T>
void softmax_across(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t r0, std::size_t r1, std::size_t cols) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  alignas(64) T tile[across_cols<Arch, T> * L];
  const bool fast_in = offsets_fit<Arch, T>(ldx, cols);
  for (std::size_t b = r0; b < r1; b += L) {
    const std::size_t nr = r1 - b < L ? r1 - b : L;
    gather_block<Arch>(x + b * ldx, ldx, nr, cols, tile, fast_in);
    V m;
    const V inv = V(T(1)) / tile_exp_sum<Arch, true>(tile, cols, m);
    T* yb = y + b * ldy;
    for (std::size_t j = 0; j < cols; ++j) (V::load_aligned(tile + j * L) * inv).store_aligned(tile + j * L);
    for (std::size_t r = 0; r < nr; ++r)
      for (std::size_t j = 0; j < cols; ++j) yb[r * ldy + j] = tile[j * L + r];
  }
}

template <class Arch, class T>
void softmax_cce_across(const T* x, std::size_t ldx, const std::int32_t* labels, T* losses, std::size_t r0,
                        std::size_t r1, std::size_t cols) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  alignas(64) T tile[across_cols<Arch, T> * L];
  alignas(64) T xl[L];
  const bool fast_in = offsets_fit<Arch, T>(ldx, cols);
  for (std::size_t b = r0; b < r1; b += L) {
    const std::size_t nr = r1 - b < L ? r1 - b : L;
    gather_block<Arch>(x + b * ldx, ldx, nr, cols, tile, fast_in);
    for (std::size_t r = 0; r < L; ++r) xl[r] = r < nr ? x[(b + r) * ldx + static_cast<std::size_t>(labels[b + r])] : T(0);
    V m;
    const V s = tile_exp_sum<Arch, false>(tile, cols, m);
    const V loss = (m - V::load_aligned(xl)) + xsimd::log(s);
    store_first<Arch>(losses + b, nr, loss);
  }
}

// ---- short rows in registers (AVX-512, AVX2) ------------------------------------------------------------
// The block's L rows go into L vectors, which simd::transpose_blocks turns into one vector per column:
// c[j] is column j of the block. Each chunk of columns [h, h + n) (n <= W <= L) is loaded with one load
// per row, never past the row (masked or partial for n < W); rows past nr are 0 (finite, never stored).
// AVX-512 puts row k + W q in lanes [W q, W q + n) of vector k, so that a chunk of n <= W columns needs
// only the W x W block transposition: for float W = 4 (8 shuffles), 8 (24) or 16 (64). The arithmetic is
// that of the tile path in the same order (tile_exp_sum), so the bits are the same: only the data
// movement differs. Results go back through the same transposition (its own inverse) and one store per
// row and chunk. Measured, avx512 f32, one thread, 1024 x 10 in 6.4 us against 9.6 for the tile path.
// Calls f.template operator()<W>(h, n) for consecutive chunks [h, h + n) of [0, cols), n <= W: with
// AVX-512, a chunk of n <= L / 2 columns takes the narrowest W that holds it, and L / 2 < n < L columns
// split into L / 2 + the rest (1024 x 10 float: 8 + 2 columns, 32 shuffles each way instead of 64, and
// twice the loads and stores: 6.4 against 6.9 us, the fused loss 4.85 against 5.56 us).
template <class Arch, class T, class F>
inline void for_each_chunk(std::size_t cols, F&& f) {
  constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  for (std::size_t h = 0; h < cols;) {
    const std::size_t rem = cols - h;
    if constexpr (simd::is_avx512<Arch>) {
      constexpr std::size_t w0 = sizeof(T) == 4 ? 4 : 2;
      if (rem <= w0) return f.template operator()<w0>(h, rem);
      if (rem <= L / 2) return f.template operator()<L / 2>(h, rem);
      if (rem < L) {
        f.template operator()<L / 2>(h, L / 2);
        h += L / 2;
        continue;
      }
    }
    f.template operator()<L>(h, rem < L ? rem : L);
    h += L;
  }
}

// v[k] block q (lanes [W q, W q + n)) = row k + W q, columns [0, n) of x (rows past nr: 0); other lanes 0.
template <std::size_t W, class Arch, class T>
inline void load_rows(const T* x, std::size_t ldx, std::size_t nr, std::size_t n, xsimd::batch<T, Arch>* v) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
#if defined(__AVX512F__)
  if constexpr (simd::is_avx512<Arch>) {
    // In float lanes, as store_rows. A 64-byte block: one (masked) load; 32-byte blocks: two 32-byte
    // loads joined by an insert; 16-byte blocks: four merging masked loads at the row's address minus
    // 4 q. Against merging 64-byte masked loads for every width: 1024 x 10 double 0.88x the time,
    // 1024 x 16 float 0.93x, 1024 x 5 float 1.08x, 1024 x 10 float the same.
    constexpr std::size_t Wf = W * sizeof(T) / 4;
    const std::size_t nf = n * sizeof(T) / 4;
    const unsigned m = (1u << nf) - 1;
    const auto row = [&](std::size_t r) { return reinterpret_cast<const float*>(x + r * ldx); };
    for (std::size_t k = 0; k < W; ++k) {
      __m512 acc;
      if constexpr (Wf == 16) {
        acc = k >= nr ? _mm512_setzero_ps() : nf == 16 ? _mm512_loadu_ps(row(k)) : _mm512_maskz_loadu_ps(static_cast<__mmask16>(m), row(k));
      } else if constexpr (Wf == 8) {
        const auto half = [&](std::size_t r) {
          return r >= nr ? _mm256_setzero_ps() : nf == 8 ? _mm256_loadu_ps(row(r)) : _mm256_maskz_loadu_ps(static_cast<__mmask8>(m), row(r));
        };
        acc = _mm512_insertf32x8(_mm512_castps256_ps512(half(k)), half(k + W), 1);
      } else {
        static_assert(Wf == 4);
        acc = _mm512_setzero_ps();
        for (std::size_t q = 0; q < L / W; ++q) {
          const std::size_t r = k + W * q;
          const float* p = r < nr ? row(r) - 4 * q : row(0);
          acc = _mm512_mask_loadu_ps(acc, static_cast<__mmask16>(r < nr ? m << (4 * q) : 0u), p);
        }
      }
      if constexpr (sizeof(T) == 4)
        v[k] = acc;
      else
        v[k] = _mm512_castps_pd(acc);
    }
    return;
  }
#endif
  static_assert(W == L || simd::is_avx512<Arch>, "blocks narrower than L: AVX-512 only");
  if (n == L)
    for (std::size_t r = 0; r < nr; ++r) v[r] = V::load_unaligned(x + r * ldx);
  else
    for (std::size_t r = 0; r < nr; ++r) v[r] = load_first<Arch>(x + r * ldx, n, T(0));
  for (std::size_t r = nr; r < L; ++r) v[r] = V(T(0));
}

// The inverse of load_rows: row k + W q, columns [0, n) of y = v[k] block q, for rows below nr.
// AVX-512 stores each block with a store of its own width (16, 32 or 64 bytes; unmasked for a full
// block): a masked 512-bit store costs its whole 64-byte footprint, two cache lines for a misaligned
// row, whatever its mask. Measured on Zen 4, 1024 x 10 float: 32 masked 512-bit stores per 16 rows took
// about 1 ns each, 45% of the kernel's time.
template <std::size_t W, class Arch, class T>
inline void store_rows(T* y, std::size_t ldy, std::size_t nr, std::size_t n, const xsimd::batch<T, Arch>* v) {
  [[maybe_unused]] constexpr std::size_t L = xsimd::batch<T, Arch>::size;
#if defined(__AVX512F__)
  if constexpr (simd::is_avx512<Arch>) {
    // In float lanes: a block is Wf floats, the row nf floats.
    constexpr std::size_t Wf = W * sizeof(T) / 4;
    const std::size_t nf = n * sizeof(T) / 4;
    const unsigned m = (1u << nf) - 1;
    for (std::size_t k = 0; k < W; ++k) {
      __m512 vk;
      if constexpr (sizeof(T) == 4)
        vk = v[k];
      else
        vk = _mm512_castpd_ps(v[k]);
      for (std::size_t q = 0; q < L / W; ++q) {
        const std::size_t r = k + W * q;
        if (r >= nr) break;
        float* p = reinterpret_cast<float*>(y + r * ldy);
        if constexpr (Wf == 16) {
          if (nf == 16)
            _mm512_storeu_ps(p, vk);
          else
            _mm512_mask_storeu_ps(p, static_cast<__mmask16>(m), vk);
        } else if constexpr (Wf == 8) {
          const __m256 b = q == 0 ? _mm512_castps512_ps256(vk) : _mm512_extractf32x8_ps(vk, 1);
          if (nf == 8)
            _mm256_storeu_ps(p, b);
          else
            _mm256_mask_storeu_ps(p, static_cast<__mmask8>(m), b);
        } else {
          static_assert(Wf == 4);
          __m128 b;
          switch (q) {
            case 0: b = _mm512_castps512_ps128(vk); break;
            case 1: b = _mm512_extractf32x4_ps(vk, 1); break;
            case 2: b = _mm512_extractf32x4_ps(vk, 2); break;
            default: b = _mm512_extractf32x4_ps(vk, 3); break;
          }
          if (nf == 4)
            _mm_storeu_ps(p, b);
          else
            _mm_mask_storeu_ps(p, static_cast<__mmask8>(m), b);
        }
      }
    }
    return;
  }
#endif
  for (std::size_t r = 0; r < nr; ++r) store_first<Arch>(y + r * ldy, n, v[r]);
}

// c[j], j < cols: column j of rows [0, nr) of x (0 past nr); c[j] for j in [cols, next multiple of L) is
// scratch.
template <class Arch, class T>
inline void load_block(const T* x, std::size_t ldx, std::size_t nr, std::size_t cols, xsimd::batch<T, Arch>* c) {
  for_each_chunk<Arch, T>(cols, [&]<std::size_t W>(std::size_t h, std::size_t n) {
    load_rows<W, Arch>(x + h, ldx, nr, n, c + h);
    simd::transpose_blocks<W>(c + h);
  });
}

template <class Arch, class T>
inline void store_block(T* y, std::size_t ldy, std::size_t nr, std::size_t cols, xsimd::batch<T, Arch>* c) {
  for_each_chunk<Arch, T>(cols, [&]<std::size_t W>(std::size_t h, std::size_t n) {
    simd::transpose_blocks<W>(c + h);
    store_rows<W, Arch>(y + h, ldy, nr, n, c + h);
  });
}

template <class Arch, class T>
inline xsimd::batch<T, Arch> block_exp_sum(xsimd::batch<T, Arch>* c, std::size_t cols, xsimd::batch<T, Arch>& m,
                                           bool store) {
  using V = xsimd::batch<T, Arch>;
  m = c[0];
  for (std::size_t j = 1; j < cols; ++j) m = xsimd::max(m, c[j]);
  V s(T(0));
  for (std::size_t j = 0; j < cols; ++j) {
    const V e = exp_nonpos<Arch>(c[j] - m);
    if (store) c[j] = e;
    s += e;
  }
  return s;
}

// Which short-row path: registers (AVX-512, AVX2) or the tile. AVX2 float rows shorter than L go
// through load_first (masked load + blend) and store_first (a buffer: AVX2's masked store is slow on
// AMD) per row, which cost more than the gather and the tile: measured, one thread, 1024 x 3 .. 7
// 1.05-1.35x the tile's time, 1024 x 8 (fused loss) 1.1x, 1024 x 10 0.85-0.88x.
template <class Arch, class T>
inline bool register_across(std::size_t cols, bool fused) {
  if constexpr (!simd::has_register_transpose<Arch, T>) {
    return false;
  } else {
    constexpr std::size_t L = xsimd::batch<T, Arch>::size;
    if constexpr (!simd::is_avx512<Arch> && sizeof(T) == 4) return fused ? cols > L : cols >= L;
    return true;
  }
}

template <class Arch, class T>
void softmax_across_reg(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t r0, std::size_t r1,
                        std::size_t cols) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  V c[(across_cols<Arch, T> + L - 1) / L * L];  // the last chunk (h + W <= this) included
  for (std::size_t b = r0; b < r1; b += L) {
    const std::size_t nr = r1 - b < L ? r1 - b : L;
    load_block<Arch>(x + b * ldx, ldx, nr, cols, c);
    V m;
    const V inv = V(T(1)) / block_exp_sum<Arch>(c, cols, m, true);
    for (std::size_t j = 0; j < cols; ++j) c[j] = c[j] * inv;
    store_block<Arch>(y + b * ldy, ldy, nr, cols, c);
  }
}

template <class Arch, class T>
void softmax_cce_across_reg(const T* x, std::size_t ldx, const std::int32_t* labels, T* losses, std::size_t r0,
                            std::size_t r1, std::size_t cols) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  V c[(across_cols<Arch, T> + L - 1) / L * L];  // the last chunk (h + W <= this) included
  [[maybe_unused]] alignas(64) T xl[L];
  for (std::size_t b = r0; b < r1; b += L) {
    const std::size_t nr = r1 - b < L ? r1 - b : L;
    load_block<Arch>(x + b * ldx, ldx, nr, cols, c);
    V xlv;
#if defined(__AVX512F__)
    if constexpr (simd::is_avx512<Arch>) {
      // x_label picked from the columns by comparing the labels with j: 2 ops per column instead of
      // L scalar loads and a vector load that cannot forward from L scalar stores (1024 x 10 float:
      // 0.94x the time, 300 x 3 0.84x).
      if constexpr (sizeof(T) == 4) {
        const __m512i lab = _mm512_maskz_loadu_epi32(static_cast<__mmask16>((1u << nr) - 1), labels + b);
        __m512 acc = c[0];
        for (std::size_t j = 1; j < cols; ++j)
          acc = _mm512_mask_mov_ps(acc, _mm512_cmpeq_epi32_mask(lab, _mm512_set1_epi32(static_cast<int>(j))), c[j]);
        xlv = acc;
      } else {
        const __m256i lab = _mm256_maskz_loadu_epi32(static_cast<__mmask8>((1u << nr) - 1), labels + b);
        __m512d acc = c[0];
        for (std::size_t j = 1; j < cols; ++j)
          acc = _mm512_mask_mov_pd(acc, _mm256_cmpeq_epi32_mask(lab, _mm256_set1_epi32(static_cast<int>(j))), c[j]);
        xlv = acc;
      }
    } else
#endif
    {
      for (std::size_t r = 0; r < L; ++r) xl[r] = r < nr ? x[(b + r) * ldx + static_cast<std::size_t>(labels[b + r])] : T(0);
      xlv = V::load_aligned(xl);
    }
    V m;
    const V s = block_exp_sum<Arch>(c, cols, m, false);
    const V loss = (m - xlv) + xsimd::log(s);
    store_first<Arch>(losses + b, nr, loss);
  }
}

}  // namespace softmax_detail

// Work per row for the parallel threshold: about 20 flops per element (exp and the passes).
template <class Arch, class T>
void softmax(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t cols) {
  namespace sd = softmax_detail;
  if (rows == 0 || cols == 0) return;
  constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  if (cols < sd::across_cols<Arch, T>) {
    // Work in ps (see parallel.hpp): 2.4 ns a row at 3 columns, 6.3 at 10 (f32 AVX-512, 1 thread).
    detail::parallel_rows<Arch>(rows, (560 * cols + 730) * (sizeof(T) / 4), L, [&](std::size_t r0, std::size_t r1) {
      if (sd::register_across<Arch, T>(cols, false))
        sd::softmax_across_reg<Arch>(x, ldx, y, ldy, r0, r1, cols);
      else
        sd::softmax_across<Arch>(x, ldx, y, ldy, r0, r1, cols);
    });
    return;
  }
  // Work in ps: 14.7 ns a row at 32 columns, 35.3 at 128, 274 at 1000, 1830 at 8000.
  detail::parallel_rows<Arch>(rows, (230 * cols + 6000) * (sizeof(T) / 4), 1, [&](std::size_t r0, std::size_t r1) {
    sd::softmax_rows<Arch>(x, ldx, y, ldy, r0, r1, cols);
  });
}

// losses[r] = (m - x[label]) + log(s): m - x_label first, which is exact when x_label is within a factor
// of two of m (Sterbenz), so a large |m| does not cost absolute accuracy (m + log(s) first would lose
// |m| u).
template <class Arch, class T>
void softmax_cross_entropy(const T* x, std::size_t ldx, const std::int32_t* labels, T* losses, std::size_t rows,
                        std::size_t cols) {
  namespace sd = softmax_detail;
  if (rows == 0 || cols == 0) return;
  constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  if (cols < sd::across_cols<Arch, T>) {
    // Work in ps: 2.1 ns a row at 3 columns, 4.45 at 10.
    detail::parallel_rows<Arch>(rows, (340 * cols + 1050) * (sizeof(T) / 4), L, [&](std::size_t r0, std::size_t r1) {
      if (sd::register_across<Arch, T>(cols, true))
        sd::softmax_cce_across_reg<Arch>(x, ldx, labels, losses, r0, r1, cols);
      else
        sd::softmax_cce_across<Arch>(x, ldx, labels, losses, r0, r1, cols);
    });
    return;
  }
  // Work in ps: 35.6 ns a row at 128 columns, 216 at 1000, 1640 at 8000.
  detail::parallel_rows<Arch>(rows, (200 * cols + 10000) * (sizeof(T) / 4), 1, [&](std::size_t r0, std::size_t r1) {
    sd::softmax_cce_rows<Arch>(x, ldx, labels, losses, r0, r1, cols);
  });
}

}  // namespace nnsimd::kernels


#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
