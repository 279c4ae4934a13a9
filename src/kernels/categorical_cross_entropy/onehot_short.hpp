// categorical_cross_entropy_onehot's short rows on AVX-512 and AVX2: masked row loads into slots and a
// transpose-reduce (combine_levels, onehot_short_plan), on the vector operations of
// O = arch::x86_avx512<Arch, T> or arch::x86_avx2<Arch, T> (arch/x86_avx512.hpp, arch/x86_avx2.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/arch.hpp"
#include "kernels/simd.hpp"

namespace nnsimd::kernels {

namespace loss_detail {

// ---- short rows of categorical_cross_entropy_onehot: masked row loads and a transpose-reduce -------
// Instead of building each column of L rows from L scalar loads (about 2 x 16 inserts per column: 5.5
// us for 1024 x 10 float on AVX-512), each row is read with masked loads into a slot of w lanes (w = cols rounded
// up to a power of 2, at most L; L / w rows per vector), clipped and multiplied there, and the w vectors
// of a block of L rows are summed slot-wise by log2(w) levels of "combine": for a pair (a, b), the lower
// half of every slot gets a's two halves added, the upper half b's, with two blends, one in-slot swap
// and one add. After the last level lane k holds the sum of one row; vector i, slot q carries row
// q w + bitreverse(i) so that this row is row k. A row is summed as a tree of depth log2(w) (plus one
// add for cols > L): a sum of cols products in another order, still within gamma_cols
// (the bound of src/spec/categorical_cross_entropy.hpp allows any order). Lanes past the block's rows are set to 1 before the log.
// The products are O::clip_mul: min(hi, max(lo, p)) * t, which keeps a NaN p (MAXPS/MINPS). The
// masks are O::M: a bit per lane on AVX-512, a vector of lane masks on AVX2 (whose masked load,
// vmaskmovps from memory, is not the slow masked store).
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
template <class Arch, class O, std::size_t W>
inline void combine_levels(typename O::V* v) {
  if constexpr (W > 1) {
    constexpr unsigned m = upper_halves<Arch, O::L, W>();
    for (std::size_t i = 0; i < W / 2; ++i) {
      const auto a = v[2 * i], b = v[2 * i + 1];
      v[i] = O::add(O::template blend<m>(a, b), O::template swap_halves<W>(O::template blend<m>(b, a)));
    }
    combine_levels<Arch, O, W / 2>(v);
  }
}

// The ops of the short rows for Arch (AVX-512 or AVX2), and whether Arch has them (elsewhere the columns
// are built from scalar loads).
template <class Arch>
inline constexpr bool has_onehot_short_block = simd::is_avx512<Arch> || simd::is_avx2<Arch>;
template <class Arch, class T>
using onehot_short_ops = std::conditional_t<simd::is_avx512<Arch>, arch::x86_avx512<Arch, T>, arch::x86_avx2<Arch, T>>;

// What a call's blocks share, made once per call (per thread's range): the slot width W (a power of 2 >=
// min(cols, L); rows longer than L take one vector per row, W = L, and add their further vectors and
// masked last part into it), the clip bounds and the lane masks of every slot and of the tail (on AVX2
// each mask is a vector built by compares, which per block cost as much as the loads).
template <class Arch, class T>
struct onehot_short_plan {
  using O = onehot_short_ops<Arch, T>;
  using V = typename O::V;
  using M = typename O::M;
  static constexpr std::size_t L = O::L;
  std::size_t cols, width;
  V lo, hi;
  M slot[L];  // slot q: lanes [q W, q W + min(cols, L))
  M tail;     // cols > L: lanes [0, cols % L)

  onehot_short_plan(std::size_t cols_, T eps) : cols(cols_), lo(O::set1(eps)), hi(O::set1(T(1) - eps)) {
    width = cols <= 1 ? 1 : cols <= 2 ? 2 : cols <= 4 ? 4 : cols <= 8 ? 8 : 16;
    if (width > L) width = L;
    const std::size_t c1 = cols < L ? cols : L;
    for (std::size_t q = 0; q < L / width; ++q) slot[q] = O::lanes(q * width, c1);
    tail = O::lanes(0, cols > L ? cols % L : 0);
  }

  // Row sums sum_j clip(p[r + k, j]) t[r + k, j] of rows k < n of a block (lane k), 1 in lanes k >= n.
  V operator()(const T* p, std::size_t ldp, const T* t, std::size_t ldt, std::size_t n) const {
    switch (width) {
      case 1: return sums<1>(p, ldp, t, ldt, n);
      case 2: return sums<2>(p, ldp, t, ldt, n);
      case 4: if constexpr (L >= 8) return sums<4>(p, ldp, t, ldt, n); [[fallthrough]];
      case 8: if constexpr (L >= 16) return sums<8>(p, ldp, t, ldt, n); [[fallthrough]];
      default: return sums<L>(p, ldp, t, ldt, n);
    }
  }

  template <std::size_t W>
  V sums(const T* p, std::size_t ldp, const T* t, std::size_t ldt, std::size_t n) const {
    constexpr std::size_t R = L / W;
    constexpr std::size_t bits = W == 1 ? 0 : W == 2 ? 1 : W == 4 ? 2 : W == 8 ? 3 : 4;
    // Unrolled at compile time (vector i, slot q -> row q W + bitreverse(i) and the slot's address shift
    // are constants): with run-time loops the bit reversal and mask arithmetic per load cost more than
    // the loads (1024 x 10: 4.1 us before, f32 avx512, one thread).
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
              const T* pq = reinterpret_cast<const T*>(reinterpret_cast<std::uintptr_t>(p + k * ldp) - shift);
              const T* tq = reinterpret_cast<const T*>(reinterpret_cast<std::uintptr_t>(t + k * ldt) - shift);
              if constexpr (W == L) {
                // One row per vector: a whole vector of it when it has L elements or more.
                pv = cols >= L ? O::load(pq) : O::load_maskz(slot[0], pq);
                tv = cols >= L ? O::load(tq) : O::load_maskz(slot[0], tq);
              } else if constexpr (q == 0) {
                pv = O::load_maskz(slot[0], pq);
                tv = O::load_maskz(slot[0], tq);
              } else {
                pv = O::load_mask(pv, slot[q], pq);
                tv = O::load_mask(tv, slot[q], tq);
              }
            }(),
            ...);
      }(std::make_index_sequence<R>{});
      V s = O::clip_mul(pv, tv, lo, hi);  // masked-out lanes: clip(0) * 0 = 0
      if constexpr (W == L) {
        // The rest of a row longer than L: whole vectors, then the last cols % L elements.
        if (cols > L && br < n) {
          const T* pr = p + br * ldp;
          const T* tr = t + br * ldt;
          std::size_t j = L;
          for (; j + L <= cols; j += L) s = O::add(s, O::clip_mul(O::load(pr + j), O::load(tr + j), lo, hi));
          if (j < cols) s = O::add(s, O::clip_mul(O::load_maskz(tail, pr + j), O::load_maskz(tail, tr + j), lo, hi));
        }
      }
      return s;
    };
    V v[W];
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((v[I] = vec(std::integral_constant<std::size_t, I>{})), ...);
    }(std::make_index_sequence<W>{});
    combine_levels<Arch, O, W>(v);
    return n == L ? v[0] : O::blend(O::lanes(n, L - n), v[0], O::set1(T(1)));
  }
};

}  // namespace loss_detail

}  // namespace nnsimd::kernels
