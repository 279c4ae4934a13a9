// Categorical cross-entropy (sparse and one-hot labels), argmax, accuracy and the sum behind the mean
// loss. softmax and the fused softmax cross-entropy live in softmax.hpp.
//
// Layout of the work. A loss or an argmax is one value per row, so two shapes of loop are used, and the
// choice depends on `cols` alone (never on the thread partition), which keeps every result bit-identical
// for every thread count:
//   * short rows (cols below a per-kernel threshold): vectorized ACROSS rows. Lane k of a vector holds
//     row r + k; column j of L rows is loaded element by element into a vector. The book's 300 x 3 and
//     the 1024 x 10 of MNIST-sized heads then run full vectors instead of 3- or 10-element tails.
//   * long rows: vectorized ALONG the row, with independent accumulators.
// The per-row results of L rows are then finished by ONE vector log (cross-entropy): the log is the
// expensive part of a short row, and xsimd::log on a batch costs about as much as one scalar logf.
// The last block of a range is padded to a full vector (through a small buffer), so a row is computed by
// the same instructions wherever the partition puts it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "kernels/elementwise.hpp"
#include "kernels/parallel.hpp"
#include "kernels/simd.hpp"

namespace nnsimd::kernels {

namespace loss_detail {

using simd::hmax;
using simd::is_avx512;
using simd::store_first;

// A vector from L scalars f(0), ..., f(L-1), built in registers (inserts and unpacks). Measured on the
// Zen 4 guest against the alternatives, for 16 float lanes: a vgatherdps costs 10-18 ns, and 16 scalar
// stores followed by one vector load of them stalls on store-to-load forwarding (a wide load spanning
// several stores is not forwarded) for about as long.
template <class Arch, class T, class F, std::size_t... K>
inline xsimd::batch<T, Arch> from_lanes(const F& f, std::index_sequence<K...>) {
  return xsimd::batch<T, Arch>({f(K)...});
}
template <class Arch, class T, class F>
inline xsimd::batch<T, Arch> from_lanes(const F& f) {
  return from_lanes<Arch, T>(f, std::make_index_sequence<xsimd::batch<T, Arch>::size>());
}

// Column j of rows [r, r + n), n <= L, as one vector (base = &x[r, j]); lanes >= n get `pad`.
template <class Arch, class T>
inline xsimd::batch<T, Arch> column(const T* base, std::size_t ld, std::size_t n, T pad) {
  return from_lanes<Arch, T>([&](std::size_t k) { return k < n ? base[k * ld] : pad; });
}

// {0, 1, ..., L-1} in T (exact: L <= 16).
template <class Arch, class T>
inline xsimd::batch<T, Arch> iota() {
  using V = xsimd::batch<T, Arch>;
  alignas(64) T b[V::size];
  for (std::size_t k = 0; k < V::size; ++k) b[k] = static_cast<T>(k);
  return V::load_aligned(b);
}

}  // namespace loss_detail

// ---- cross-entropy, sparse labels ------------------------------------------------------------------
// losses[r] = -log(clip(p[r, labels[r]], eps, 1 - eps)). One element per row: L rows' picked values are
// loaded into one vector, clipped, and sent through one vector log. 1 - eps is rounded in T, as NumPy
// does with a float32 array (1 - 1e-7f = 1 - 1.1920929e-7). NaN stays NaN (clip keeps it, log(NaN) is
// NaN).
template <class Arch, class T>
void categorical_cross_entropy(const T* p, std::size_t ldp, const std::int32_t* labels, T* losses, std::size_t rows,
                std::size_t cols, T eps) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  (void)cols;
  const V lo(eps), hi(T(1) - eps);
  // Work in ps (see parallel.hpp): 0.9 ns a row from L1/L2 (3.5 when the gathered row misses), f32.
  detail::parallel_rows<Arch>(rows, 1000 * (sizeof(T) / 4), L, [&](std::size_t r0, std::size_t r1) {
    // Full blocks without the per-lane `k < n` test (a compare and a branch per row in the generated
    // code: 0.90x the time at 1024 x 10, avx512 f32), then the partial block padded with 1 (log 1 = 0,
    // never stored). The AVX-512 gather (vgatherdps, labels + r ld offsets) took 1.54x as long here.
    std::size_t r = r0;
    for (; r + L <= r1; r += L) {
      const T* pr = p + r * ldp;
      const std::int32_t* lr = labels + r;
      const V v = loss_detail::from_lanes<Arch, T>([&](std::size_t k) { return pr[k * ldp + static_cast<std::size_t>(lr[k])]; });
      (-xsimd::log(clip_keep_nan<Arch>(v, lo, hi))).store_unaligned(losses + r);
    }
    if (r < r1) {
      const std::size_t n = r1 - r;
      const V v = loss_detail::from_lanes<Arch, T>([&](std::size_t k) { return k < n ? p[(r + k) * ldp + labels[r + k]] : T(1); });
      loss_detail::store_first<Arch>(losses + r, n, -xsimd::log(clip_keep_nan<Arch>(v, lo, hi)));
    }
  });
}

#if defined(__x86_64__) || defined(_M_X64)
namespace loss_detail {

// ---- AVX-512 short rows of categorical_cross_entropy_onehot: masked row loads and a transpose-reduce ---------------------
// Instead of building each column of L rows from L scalar loads (about 2 x 16 inserts per column: 5.5
// us for 1024 x 10 float), each row is read with masked loads into a slot of w lanes (w = cols rounded
// up to a power of 2, at most L; L / w rows per vector), clipped and multiplied there, and the w vectors
// of a block of L rows are summed slot-wise by log2(w) levels of "combine": for a pair (a, b), the lower
// half of every slot gets a's two halves added, the upper half b's, with two blends, one in-slot swap
// and one add. After the last level lane k holds the sum of one row; vector i, slot q carries row
// q w + bitreverse(i) so that this row is row k. A row is summed as a tree of depth log2(w) (plus one
// add for cols > L): a sum of cols products in another order, still within gamma_cols
// (numerics/tolerance.hpp allows any order). Lanes past the block's rows are set to 1 before the log.
template <class Arch, class T>
struct onehot_ops;

template <class Arch>
struct onehot_ops<Arch, float> {
  using V = __m512;
  using M = __mmask16;
  static constexpr std::size_t L = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float a) { return _mm512_set1_ps(a); }
  static V load_mask(V src, M m, const float* p) { return _mm512_mask_loadu_ps(src, m, p); }
  static V loadu(const float* p) { return _mm512_loadu_ps(p); }
  static V blend(M m, V a, V b) { return _mm512_mask_blend_ps(m, a, b); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  // max(lo, x) then min(hi, .): MAXPS/MINPS return their SECOND operand when one is NaN, so a NaN x
  // stays NaN, as numpy.clip; 2 ops instead of the 2 compares + 2 blends of `clip`.
  static V prod(V p, V t, V lo, V hi) { return _mm512_mul_ps(_mm512_min_ps(hi, _mm512_max_ps(lo, p)), t); }
  template <std::size_t W>
  static V swap_halves(V y) {
    if constexpr (W == 16) return _mm512_shuffle_f32x4(y, y, 0x4E);
    else if constexpr (W == 8) return _mm512_shuffle_f32x4(y, y, 0xB1);
    else if constexpr (W == 4) return _mm512_permute_ps(y, 0x4E);
    else return _mm512_permute_ps(y, 0xB1);
  }
};

template <class Arch>
struct onehot_ops<Arch, double> {
  using V = __m512d;
  using M = __mmask8;
  static constexpr std::size_t L = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V set1(double a) { return _mm512_set1_pd(a); }
  static V load_mask(V src, M m, const double* p) { return _mm512_mask_loadu_pd(src, m, p); }
  static V loadu(const double* p) { return _mm512_loadu_pd(p); }
  static V blend(M m, V a, V b) { return _mm512_mask_blend_pd(m, a, b); }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
  static V prod(V p, V t, V lo, V hi) { return _mm512_mul_pd(_mm512_min_pd(hi, _mm512_max_pd(lo, p)), t); }
  template <std::size_t W>
  static V swap_halves(V y) {
    if constexpr (W == 8) return _mm512_shuffle_f64x2(y, y, 0x4E);
    else if constexpr (W == 4) return _mm512_shuffle_f64x2(y, y, 0xB1);
    else return _mm512_permute_pd(y, 0x55);
  }
};

template <class Arch>
constexpr std::size_t bit_reverse(std::size_t i, std::size_t bits) {
  std::size_t r = 0;
  for (std::size_t b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
  return r;
}

// Lanes in the upper half of every slot of width W.
template <class Arch, std::size_t L, std::size_t W>
constexpr unsigned upper_halves() {
  unsigned m = 0;
  for (std::size_t k = 0; k < L; ++k)
    if (k % W >= W / 2) m |= 1u << k;
  return m;
}

// Reduces v[0, W) (slots of width W) to v[0] (slots of width 1), level by level.
template <class Arch, class T, std::size_t W>
inline void combine_levels(typename onehot_ops<Arch, T>::V* v) {
  using O = onehot_ops<Arch, T>;
  if constexpr (W > 1) {
    constexpr auto m = static_cast<typename O::M>(upper_halves<Arch, O::L, W>());
    for (std::size_t i = 0; i < W / 2; ++i) {
      const auto a = v[2 * i], b = v[2 * i + 1];
      v[i] = O::add(O::blend(m, a, b), O::template swap_halves<W>(O::blend(m, b, a)));
    }
    combine_levels<Arch, T, W / 2>(v);
  }
}

// Row sums sum_j clip(p[r + k, j]) t[r + k, j] of rows k < n of a block (lane k), 1 in lanes k >= n.
// W = slot width (a power of 2 >= min(cols, L)); cols < 2 L.
template <class Arch, class T, std::size_t W>
inline typename onehot_ops<Arch, T>::V onehot_short_sums(const T* p, std::size_t ldp, const T* t, std::size_t ldt,
                                                          std::size_t n, std::size_t cols, T eps) {
  using O = onehot_ops<Arch, T>;
  using V = typename O::V;
  using M = typename O::M;
  constexpr std::size_t L = O::L, R = L / W;
  constexpr std::size_t bits = W == 1 ? 0 : W == 2 ? 1 : W == 4 ? 2 : W == 8 ? 3 : 4;
  const V lo = O::set1(eps), hi = O::set1(T(1) - eps);
  const std::size_t c1 = cols < L ? cols : L;                           // lanes of the first part
  const M cm = static_cast<M>((1u << c1) - 1);                          // cols lanes of slot 0
  const M tail = static_cast<M>(cols > L ? (1u << (cols - L)) - 1 : 0);  // cols > L: the rest
  // Unrolled at compile time (vector i, slot q -> row q W + bitreverse(i) and the slot's mask shift are
  // constants): with run-time loops the bit reversal and mask arithmetic per load cost more than the
  // loads (1024 x 10: 4.1 us before, f32 avx512, one thread).
  const auto vec = [&](auto ic) {
    constexpr std::size_t i = decltype(ic)::value;
    constexpr std::size_t br = bit_reverse<Arch>(i, bits);
    V pv = O::zero(), tv = O::zero();
    [&]<std::size_t... Q>(std::index_sequence<Q...>) {
      (
          [&] {
            constexpr std::size_t q = Q, k = q * W + br;
            if (k >= n) return;
            // Slot q of the vector is lanes [q W, q W + W): load from q W elements before the row so
            // that lane q W + j reads element j. Only the masked lanes (the row's own elements) are
            // accessed.
            constexpr auto shift = static_cast<std::uintptr_t>(q * W * sizeof(T));
            const M m = static_cast<M>(static_cast<unsigned>(cm) << (q * W));
            pv = O::load_mask(pv, m, reinterpret_cast<const T*>(reinterpret_cast<std::uintptr_t>(p + k * ldp) - shift));
            tv = O::load_mask(tv, m, reinterpret_cast<const T*>(reinterpret_cast<std::uintptr_t>(t + k * ldt) - shift));
          }(),
          ...);
    }(std::make_index_sequence<R>{});
    V s = O::prod(pv, tv, lo, hi);  // masked-out lanes: clip(0) * 0 = 0
    if constexpr (W == L) {
      if (tail != 0 && br < n) {
        const V pt = O::load_mask(O::zero(), tail, p + br * ldp + L);
        const V tt = O::load_mask(O::zero(), tail, t + br * ldt + L);
        s = O::add(s, O::prod(pt, tt, lo, hi));
      }
    }
    return s;
  };
  V v[W];
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((v[I] = vec(std::integral_constant<std::size_t, I>{})), ...);
  }(std::make_index_sequence<W>{});
  combine_levels<Arch, T, W>(v);
  return n == L ? v[0] : O::blend(static_cast<M>(((1u << L) - 1) & ~((1u << n) - 1)), v[0], O::set1(T(1)));
}

// Dispatch on the slot width (from cols only).
template <class Arch, class T>
inline xsimd::batch<T, Arch> onehot_short_block_avx512(const T* p, std::size_t ldp, const T* t, std::size_t ldt,
                                                       std::size_t n, std::size_t cols, T eps) {
  constexpr std::size_t L = onehot_ops<Arch, T>::L;
  if (cols <= 1) return onehot_short_sums<Arch, T, 1>(p, ldp, t, ldt, n, cols, eps);
  if (cols <= 2) return onehot_short_sums<Arch, T, 2>(p, ldp, t, ldt, n, cols, eps);
  if (cols <= 4) return onehot_short_sums<Arch, T, 4>(p, ldp, t, ldt, n, cols, eps);
  if constexpr (L == 16) {
    if (cols <= 8) return onehot_short_sums<Arch, T, 8>(p, ldp, t, ldt, n, cols, eps);
  }
  return onehot_short_sums<Arch, T, L>(p, ldp, t, ldt, n, cols, eps);
}

}  // namespace loss_detail
#endif

// ---- cross-entropy, one-hot (or soft) labels -------------------------------------------------------
// losses[r] = -log(sum_j clip(p[r, j]) * t[r, j]).
// Short rows: lane k accumulates row r + k over j in order (one fma per column).
// Long rows: 4 accumulators along the row (4 x L independent fma chains hide the 4-cycle fma latency at
// 2 loads per cycle), the remainder as one vector ending at cols with the lanes already summed zeroed.
// Both are a sum of `cols` products in T: error <= gamma_cols (see numerics/tolerance.hpp).
template <class Arch, class T>
struct cce_onehot_cfg {
  // Below this many columns a row is too short for 4 accumulators; across rows instead.
  static constexpr std::size_t short_cols = 2 * xsimd::batch<T, Arch>::size;
};

template <class Arch, class T>
void categorical_cross_entropy_onehot(const T* p, std::size_t ldp, const T* t, std::size_t ldt, T* losses, std::size_t rows,
                std::size_t cols, T eps) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  const V lo(eps), hi(T(1) - eps);
  if (cols < cce_onehot_cfg<Arch, T>::short_cols) {
    // Work in ps: 2.6 ns a row at 3 columns, 5.5 at 10 (f32 AVX-512, 1 thread).
    detail::parallel_rows<Arch>(rows, (420 * cols + 1300) * (sizeof(T) / 4), L, [&](std::size_t r0, std::size_t r1) {
      for (std::size_t r = r0; r < r1; r += L) {
        const std::size_t n = r1 - r < L ? r1 - r : L;
        const T* pr = p + r * ldp;
        const T* tr = t + r * ldt;
#if defined(__x86_64__) || defined(_M_X64)
        if constexpr (loss_detail::is_avx512<Arch>) {
          loss_detail::store_first<Arch>(losses + r, n, -xsimd::log(loss_detail::onehot_short_block_avx512<Arch>(pr, ldp, tr, ldt, n, cols, eps)));
          continue;
        }
#endif
        V s(T(0));
        for (std::size_t j = 0; j < cols; ++j) {
          const V pj = loss_detail::column<Arch>(pr + j, ldp, n, T(1));
          const V tj = loss_detail::column<Arch>(tr + j, ldt, n, T(1));
          s = xsimd::fma(clip_keep_nan<Arch>(pj, lo, hi), tj, s);
        }
        loss_detail::store_first<Arch>(losses + r, n, -xsimd::log(s));
      }
    });
    return;
  }
  const V lane = loss_detail::iota<Arch, T>();
  const std::size_t rem = cols % L;
  // Lanes of the last (overlapping) vector that are new: k >= L - rem.
  const auto fresh = lane >= V(static_cast<T>(L - rem));
  // Work in ps: 81 ns a row at 1000 columns, 569 at 8000.
  detail::parallel_rows<Arch>(rows, (72 * cols + 6000) * (sizeof(T) / 4), L, [&](std::size_t r0, std::size_t r1) {
    alignas(64) T sums[L];
    for (std::size_t r = r0; r < r1; r += L) {
      const std::size_t n = r1 - r < L ? r1 - r : L;
      for (std::size_t k = 0; k < L; ++k) {
        if (k >= n) {
          sums[k] = T(1);
          continue;
        }
        const T* pr = p + (r + k) * ldp;
        const T* tr = t + (r + k) * ldt;
        V a0(T(0)), a1(T(0)), a2(T(0)), a3(T(0));
        std::size_t j = 0;
        for (; j + 4 * L <= cols; j += 4 * L) {
          a0 = xsimd::fma(clip_keep_nan<Arch>(V::load_unaligned(pr + j), lo, hi), V::load_unaligned(tr + j), a0);
          a1 = xsimd::fma(clip_keep_nan<Arch>(V::load_unaligned(pr + j + L), lo, hi), V::load_unaligned(tr + j + L), a1);
          a2 = xsimd::fma(clip_keep_nan<Arch>(V::load_unaligned(pr + j + 2 * L), lo, hi), V::load_unaligned(tr + j + 2 * L), a2);
          a3 = xsimd::fma(clip_keep_nan<Arch>(V::load_unaligned(pr + j + 3 * L), lo, hi), V::load_unaligned(tr + j + 3 * L), a3);
        }
        for (; j + L <= cols; j += L)
          a0 = xsimd::fma(clip_keep_nan<Arch>(V::load_unaligned(pr + j), lo, hi), V::load_unaligned(tr + j), a0);
        if (rem != 0) {
          const V q = clip_keep_nan<Arch>(V::load_unaligned(pr + cols - L), lo, hi) * V::load_unaligned(tr + cols - L);
          a1 = a1 + xsimd::select(fresh, q, V(T(0)));
        }
        sums[k] = xsimd::hadd((a0 + a1) + (a2 + a3));
      }
      loss_detail::store_first<Arch>(losses + r, n, -xsimd::log(V::load_aligned(sums)));
    }
  });
}

// ---- argmax ----------------------------------------------------------------------------------------
// numpy.argmax per row: the first index of the maximum, and the first NaN if the row holds one.
//
// Long rows, one pass over the row in chunks of kChunk elements. Per vector: a max (NaN ignored) and an
// add into a check sum, which is NaN iff a NaN was added or inf - inf happened. At the end of a chunk:
//   * if the check sum holds a NaN, look for the first NaN of the chunk (a vector scan); found = answer;
//   * if any lane of the chunk's max exceeds the best so far, this chunk is the first to hold the new
//     best value (later chunks only replace it when strictly greater, which keeps ties on the first).
// The index pass then rescans one chunk only (kChunk elements, still in L1/L2) for the first x == best.
// So the row is read about once, at 1 load + 2 vector ops per L elements, and no per-element index
// bookkeeping is done.
template <class Arch, class T>
struct argmax_cfg {
  static constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  // Below this many columns, across rows (lane = row); see the header comment.
  static constexpr std::size_t short_cols = 2 * L;
  // 64 vectors: the per-chunk bookkeeping (a few compares and two `any`) is amortized over 64 loads.
  static constexpr std::size_t chunk = 64 * L;
};

namespace loss_detail {

// First index j in [j0, j1) (j1 - j0 >= L) where pred(x[j]) holds for a vector predicate; j1 if none.
// The last vector overlaps the previous one (ends at j1): harmless for a "first" search.
template <class Arch, class T, class Pred>
inline std::size_t find_first(const T* x, std::size_t j0, std::size_t j1, const Pred& pred) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  for (std::size_t j = j0;; j += L) {
    if (j + L > j1) j = j1 - L;
    const auto m = pred(V::load_unaligned(x + j));
    if (xsimd::any(m)) {
      alignas(64) T b[L];
      xsimd::select(m, V(T(1)), V(T(0))).store_aligned(b);
      for (std::size_t k = 0; k < L; ++k)
        if (b[k] != T(0)) return j + k;
    }
    if (j + L >= j1) return j1;
  }
}

// argmax of one row of cols >= L elements (the long path).
template <class Arch, class T>
std::int32_t argmax_long(const T* x, std::size_t cols) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size, C = argmax_cfg<Arch, T>::chunk;
  const V ninf(-std::numeric_limits<T>::infinity());
  T best = -std::numeric_limits<T>::infinity();
  std::size_t best_chunk = 0;
  for (std::size_t c0 = 0; c0 < cols; c0 += C) {
    const std::size_t c1 = cols - c0 < C ? cols : c0 + C;
    V m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf;
    V s0(T(0)), s1(T(0));
    std::size_t j = c0;
    for (; j + 4 * L <= c1; j += 4 * L) {
      const V a = V::load_unaligned(x + j), b = V::load_unaligned(x + j + L);
      const V c = V::load_unaligned(x + j + 2 * L), d = V::load_unaligned(x + j + 3 * L);
      // max(a, m): x86 returns the second operand when one is NaN, so a NaN never enters m; the check
      // sums catch it instead (on ARM max propagates NaN: the check sums still decide).
      m0 = xsimd::max(a, m0);
      m1 = xsimd::max(b, m1);
      m2 = xsimd::max(c, m2);
      m3 = xsimd::max(d, m3);
      s0 = s0 + (a + b);
      s1 = s1 + (c + d);
    }
    for (; j < c1; j += L) {
      // The chunk's last vector ends at c1 (overlap is harmless for max and for the NaN check); it
      // cannot start before 0 since cols >= L.
      const std::size_t jj = j + L <= c1 ? j : c1 - L;
      const V a = V::load_unaligned(x + jj);
      m0 = xsimd::max(a, m0);
      s0 = s0 + a;
    }
    const V s = s0 + s1;
    if (xsimd::any(xsimd::isnan(s))) {
      const std::size_t k = find_first<Arch>(x, c1 - c0 >= L ? c0 : c1 - L, c1, [](const V& v) { return xsimd::isnan(v); });
      if (k < c1) return static_cast<std::int32_t>(k);
    }
    const V m = xsimd::max(xsimd::max(m0, m1), xsimd::max(m2, m3));
    if (xsimd::any(m > V(best))) {
      best = hmax<Arch>(m);
      best_chunk = c0;
    }
  }
  const std::size_t c1 = cols - best_chunk < C ? cols : best_chunk + C;
  const std::size_t c0 = c1 - best_chunk >= L ? best_chunk : c1 - L;
  const V bv(best);
  return static_cast<std::int32_t>(find_first<Arch>(x, c0, c1, [&](const V& v) { return v == bv; }));
}

#if defined(__x86_64__) || defined(_M_X64)
// ---- AVX-512 long rows ----------------------------------------------------------------------------
// The same chunked scheme as argmax_long. NaN detection: one unordered compare per PAIR of vectors
// (a UNORD b is true iff a or b is NaN) OR-ed into a mask, instead of the check sum's add per vector
// (and +inf with -inf no longer raises a false alarm). (VRANGEPS max, documented to keep NaN, returns
// the non-NaN operand for a quiet NaN on this Zen 4 guest: not usable.) The max of a chunk is a NaN
// only if the chunk's first vector held one, in which case `nan` is set anyway. The index pass
// finds the first lane equal to the max with compare-to-mask and tzcnt; in a row of at most 16
// vectors (kBranchless) it runs over every vector from the last to the first with conditional moves,
// since the exit branch of an early-out loop mispredicts about once per row (about 4 ns, as long as
// reading a 128-float row). Measured (f32, 1 thread, old generic path vs this, interleaved): 4096 x 128
// 1.3-1.8x, 256 x 1000 1.3-1.5x, 64 x 32000 1.3-1.8x faster.
template <class Arch, class T>
struct avx512_ops;

template <class Arch>
struct avx512_ops<Arch, float> {
  using V = __m512;
  static constexpr std::size_t L = 16;
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  // MAXPS returns its second operand when one is NaN: a NaN x never enters the running max m.
  static V max(V x, V m) { return _mm512_max_ps(x, m); }
  static unsigned unord(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q); }
  static unsigned nan_mask(V a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static unsigned eq_mask(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  // Every lane = the largest lane of v (no NaN in v).
  static V hmax(V v) {
    v = _mm512_max_ps(v, _mm512_shuffle_f32x4(v, v, 0x4E));
    v = _mm512_max_ps(v, _mm512_shuffle_f32x4(v, v, 0xB1));
    v = _mm512_max_ps(v, _mm512_permute_ps(v, 0x4E));
    return _mm512_max_ps(v, _mm512_permute_ps(v, 0xB1));
  }
  static float first(V v) { return _mm512_cvtss_f32(v); }
  static V set1(float a) { return _mm512_set1_ps(a); }
};

template <class Arch>
struct avx512_ops<Arch, double> {
  using V = __m512d;
  static constexpr std::size_t L = 8;
  static V load(const double* p) { return _mm512_loadu_pd(p); }
  static V max(V x, V m) { return _mm512_max_pd(x, m); }
  static unsigned unord(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_UNORD_Q); }
  static unsigned nan_mask(V a) { return _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q); }
  static unsigned eq_mask(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
  static V hmax(V v) {
    v = _mm512_max_pd(v, _mm512_shuffle_f64x2(v, v, 0x4E));
    v = _mm512_max_pd(v, _mm512_shuffle_f64x2(v, v, 0xB1));
    return _mm512_max_pd(v, _mm512_permute_pd(v, 0x55));
  }
  static double first(V v) { return _mm512_cvtsd_f64(v); }
  static V set1(double a) { return _mm512_set1_pd(a); }
};

// First j in [j0, j1) (j1 - j0 >= L) with mask_of(x[j..]) bit set, j1 if none; the last vector overlaps.
template <class Arch, class T, class M>
inline std::size_t find_first_avx512(const T* x, std::size_t j0, std::size_t j1, const M& mask_of) {
  using O = avx512_ops<Arch, T>;
  constexpr std::size_t L = O::L;
  for (std::size_t j = j0;; j += L) {
    if (j + L > j1) j = j1 - L;
    const unsigned m = mask_of(O::load(x + j));
    if (m != 0) return j + static_cast<std::size_t>(__builtin_ctz(m));
    if (j + L >= j1) return j1;
  }
}

template <class Arch, class T>
std::int32_t argmax_long_avx512(const T* x, std::size_t cols) {
  using O = avx512_ops<Arch, T>;
  using V = typename O::V;
  constexpr std::size_t L = O::L, C = argmax_cfg<Arch, T>::chunk, kBranchless = 16 * L;
  T best = -std::numeric_limits<T>::infinity();
  V bestv = O::set1(best);
  std::size_t best_chunk = 0;
  for (std::size_t c0 = 0; c0 < cols; c0 += C) {
    const std::size_t c1 = cols - c0 < C ? cols : c0 + C;
    // A chunk shorter than L (the last one) starts L before its end, overlapping the previous chunk.
    const std::size_t s0 = c1 - c0 >= L ? c0 : c1 - L;
    V m0 = O::load(x + s0), m1 = m0, m2 = m0, m3 = m0;
    unsigned nan = O::nan_mask(m0);
    std::size_t j = s0 + L;
    for (; j + 4 * L <= c1; j += 4 * L) {
      const V a = O::load(x + j), b = O::load(x + j + L), c = O::load(x + j + 2 * L), d = O::load(x + j + 3 * L);
      m0 = O::max(a, m0);
      m1 = O::max(b, m1);
      m2 = O::max(c, m2);
      m3 = O::max(d, m3);
      nan |= O::unord(a, b) | O::unord(c, d);
    }
    for (; j < c1; j += L) {
      const V a = O::load(x + (j + L <= c1 ? j : c1 - L));
      m1 = O::max(a, m1);
      nan |= O::nan_mask(a);
    }
    const V m = O::max(O::max(m0, m1), O::max(m2, m3));
    if (nan != 0)
      return static_cast<std::int32_t>(find_first_avx512<Arch>(x, s0, c1, [](V v) { return O::nan_mask(v); }));
    const V h = O::hmax(m);
    if (O::first(h) > best) {
      best = O::first(h);
      bestv = h;
      best_chunk = c0;
    }
  }
  if (cols <= kBranchless) {
    // One chunk; the max is present, so some vector matches. Last vector (ends at cols) first.
    const std::size_t last = cols - L;
    std::size_t pos = last + static_cast<std::size_t>(__builtin_ctz(O::eq_mask(O::load(x + last), bestv) | (1u << (L - 1))));
    // Then the vectors at multiples of L below `last`, from the last to 0, an earlier match replacing.
    for (std::size_t k = (cols - 1) / L; k-- > 0;) {
      const unsigned mk = O::eq_mask(O::load(x + k * L), bestv);
      pos = mk != 0 ? k * L + static_cast<std::size_t>(__builtin_ctz(mk)) : pos;
    }
    return static_cast<std::int32_t>(pos);
  }
  const std::size_t c1 = cols - best_chunk < C ? cols : best_chunk + C;
  const std::size_t c0 = c1 - best_chunk >= L ? best_chunk : c1 - L;
  return static_cast<std::int32_t>(find_first_avx512<Arch>(x, c0, c1, [&](V v) { return O::eq_mask(v, bestv); }));
}
#endif

// argmax of rows [r, r + n), n <= L, cols < short_cols: lane k is row r + k. Column 0 starts as the
// best; a later column replaces it if strictly greater, or if it is NaN while the best is not (after
// which nothing replaces the NaN: x > NaN is false and NaN == NaN is false).
// NaN tests use xsimd::isnan: in xsimd 8.1, `a != b` is the ORDERED compare on AVX and AVX-512
// (_CMP_NEQ_OQ: NaN != NaN is false) but unordered on SSE2, so `v != v` finds no NaN on AVX.
template <class Arch, class T>
inline void argmax_short_block(const T* x, std::size_t ld, std::size_t n, std::size_t cols, std::int32_t* out) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  V best = column<Arch>(x, ld, n, T(0));
  V idx(T(0));
  for (std::size_t j = 1; j < cols; ++j) {
    const V v = column<Arch>(x + j, ld, n, T(0));
    const auto take = (v > best) | (xsimd::isnan(v) & (best == best));
    best = xsimd::select(take, v, best);
    idx = xsimd::select(take, V(static_cast<T>(j)), idx);
  }
  alignas(64) T b[L];
  idx.store_aligned(b);
  for (std::size_t k = 0; k < n; ++k) out[k] = static_cast<std::int32_t>(b[k]);
}

// argmax of rows [r0, r1) into out[0, r1 - r0). r0 is a multiple of L.
template <class Arch, class T>
inline void argmax_rows(const T* x, std::size_t ld, std::size_t r0, std::size_t r1, std::size_t cols, std::int32_t* out) {
  constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  if (cols < argmax_cfg<Arch, T>::short_cols) {
    for (std::size_t r = r0; r < r1; r += L)
      argmax_short_block<Arch>(x + r * ld, ld, r1 - r < L ? r1 - r : L, cols, out + (r - r0));
  } else {
#if defined(__x86_64__) || defined(_M_X64)
    if constexpr (is_avx512<Arch>) {
      for (std::size_t r = r0; r < r1; ++r) out[r - r0] = argmax_long_avx512<Arch>(x + r * ld, cols);
      return;
    }
#endif
    for (std::size_t r = r0; r < r1; ++r) out[r - r0] = argmax_long<Arch>(x + r * ld, cols);
  }
}

}  // namespace loss_detail

template <class Arch, class T>
void argmax(const T* x, std::size_t ldx, std::int32_t* idx, std::size_t rows, std::size_t cols) {
  constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  // Work in ps: 0.65 ns a row at 3 columns, 2.0 at 10, 16.7 at 128, 91 at 1000, 493 at 8000.
  detail::parallel_rows<Arch>(rows, (cols < 32 ? 200 * cols : 60 * cols + 9000) * (sizeof(T) / 4), L, [&](std::size_t r0, std::size_t r1) {
    loss_detail::argmax_rows<Arch>(x, ldx, r0, r1, cols, idx + r0);
  });
}

// The number of rows whose argmax is the label. Each thread counts its rows (blocks of 16 L rows through
// a stack buffer) and adds its count once: integer, so exact and the same for every thread count.
template <class Arch, class T>
std::size_t accuracy(const T* x, std::size_t ldx, const std::int32_t* labels, std::size_t rows,
                           std::size_t cols) {
  constexpr std::size_t L = xsimd::batch<T, Arch>::size, B = 16 * L;
  std::atomic<std::size_t> total{0};
  // Work in ps: as argmax (measured within 15% of it: 0.75, 2.1, 91, 496 ns a row).
  detail::parallel_rows<Arch>(rows, (cols < 32 ? 200 * cols : 60 * cols + 9000) * (sizeof(T) / 4), L, [&](std::size_t r0, std::size_t r1) {
    std::int32_t buf[B];
    std::size_t hits = 0;
    for (std::size_t r = r0; r < r1; r += B) {
      const std::size_t e = r1 - r < B ? r1 : r + B;
      loss_detail::argmax_rows<Arch>(x, ldx, r, e, cols, buf);
      for (std::size_t k = 0; k < e - r; ++k) hits += buf[k] == labels[r + k];
    }
    total.fetch_add(hits, std::memory_order_relaxed);
  });
  return total.load(std::memory_order_relaxed);
}

// ---- sum -------------------------------------------------------------------------------------------
// sum of x[0, n) in double: 4 independent double vectors (4 x 4-cycle add latency covered), combined as
// (a0 + a1) + (a2 + a3), then hadd, then the scalar remainder in order. The order depends on n (and the
// ISA's lane count) only. Single-threaded: it runs over one value per sample.
template <class Arch, class T>
double sum(const T* x, std::size_t n) {
  using D = xsimd::batch<double, Arch>;
  // static: Clang 14 wants a non-static constexpr local captured when the lambda below sizes an array
  // with it (GCC does not; a static needs no capture).
  static constexpr std::size_t L = D::size;
  // Loads L values of T as doubles (float: the compiler emits one widening convert).
  const auto load = [x](std::size_t i) {
    if constexpr (sizeof(T) == sizeof(double)) {
      return D::load_unaligned(x + i);
    } else {
      alignas(64) double b[L];
      for (std::size_t k = 0; k < L; ++k) b[k] = static_cast<double>(x[i + k]);
      return D::load_aligned(b);
    }
  };
  D a0(0.0), a1(0.0), a2(0.0), a3(0.0);
  std::size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    a0 = a0 + load(i);
    a1 = a1 + load(i + L);
    a2 = a2 + load(i + 2 * L);
    a3 = a3 + load(i + 3 * L);
  }
  for (; i + L <= n; i += L) a0 = a0 + load(i);
  double s = xsimd::hadd((a0 + a1) + (a2 + a3));
  for (; i < n; ++i) s += static_cast<double>(x[i]);
  return s;
}

}  // namespace nnsimd::kernels
