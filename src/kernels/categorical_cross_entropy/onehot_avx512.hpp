// categorical_cross_entropy_onehot's AVX-512 short rows: masked row loads into slots and a transpose-reduce
// (combine_levels, onehot_short_sums, onehot_short_block_avx512), on the vector operations of
// arch::x86_avx512<Arch, T> (arch/x86_avx512.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/arch.hpp"

namespace nnsimd::kernels {

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
// (the bound of src/spec/categorical_cross_entropy.hpp allows any order). Lanes past the block's rows are set to 1 before the log.
// The products are O::clip_mul: min(hi, max(lo, p)) * t, which keeps a NaN p (MAXPS/MINPS).
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
inline void combine_levels(typename arch::x86_avx512<Arch, T>::V* v) {
  using O = arch::x86_avx512<Arch, T>;
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
inline typename arch::x86_avx512<Arch, T>::V onehot_short_sums(const T* p, std::size_t ldp, const T* t, std::size_t ldt,
                                                          std::size_t n, std::size_t cols, T eps) {
  using O = arch::x86_avx512<Arch, T>;
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
    V s = O::clip_mul(pv, tv, lo, hi);  // masked-out lanes: clip(0) * 0 = 0
    if constexpr (W == L) {
      if (tail != 0 && br < n) {
        const V pt = O::load_mask(O::zero(), tail, p + br * ldp + L);
        const V tt = O::load_mask(O::zero(), tail, t + br * ldt + L);
        s = O::add(s, O::clip_mul(pt, tt, lo, hi));
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
  constexpr std::size_t L = arch::x86_avx512<Arch, T>::L;
  if (cols <= 1) return onehot_short_sums<Arch, T, 1>(p, ldp, t, ldt, n, cols, eps);
  if (cols <= 2) return onehot_short_sums<Arch, T, 2>(p, ldp, t, ldt, n, cols, eps);
  if (cols <= 4) return onehot_short_sums<Arch, T, 4>(p, ldp, t, ldt, n, cols, eps);
  if constexpr (L == 16) {
    if (cols <= 8) return onehot_short_sums<Arch, T, 8>(p, ldp, t, ldt, n, cols, eps);
  }
  return onehot_short_sums<Arch, T, L>(p, ldp, t, ldt, n, cols, eps);
}

}  // namespace loss_detail

}  // namespace nnsimd::kernels
