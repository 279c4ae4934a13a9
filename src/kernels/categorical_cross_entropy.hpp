// Categorical cross-entropy on probabilities: sparse labels (categorical_cross_entropy) and one-hot or soft labels
// (categorical_cross_entropy_onehot). The layout of the work (short rows across, long rows along) is in loss_common.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "kernels/categorical_cross_entropy/onehot_short.hpp"
#include "kernels/clip.hpp"
#include "kernels/log.hpp"
#include "kernels/loss_common.hpp"
#include "kernels/parallel.hpp"

namespace nnsimd::kernels {

namespace loss_detail {

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
      (-kernels::log<Arch>(clip_keep_nan<Arch>(v, lo, hi))).store_unaligned(losses + r);
    }
    if (r < r1) {
      const std::size_t n = r1 - r;
      const V v = loss_detail::from_lanes<Arch, T>([&](std::size_t k) { return k < n ? p[(r + k) * ldp + labels[r + k]] : T(1); });
      loss_detail::store_first<Arch>(losses + r, n, -kernels::log<Arch>(clip_keep_nan<Arch>(v, lo, hi)));
    }
  });
}

// ---- cross-entropy, one-hot (or soft) labels -------------------------------------------------------
// losses[r] = -log(sum_j clip(p[r, j]) * t[r, j]).
// Short rows: lane k accumulates row r + k over j in order (one fma per column).
// Long rows: 4 accumulators along the row (4 x L independent fma chains hide the 4-cycle fma latency at
// 2 loads per cycle), the remainder as one vector ending at cols with the lanes already summed zeroed.
// Both are a sum of `cols` products in T: error <= gamma_cols (see src/spec/categorical_cross_entropy.hpp).
template <class Arch, class T>
struct cce_onehot_cfg {
  // Below this many columns a row is too short for 4 accumulators; across rows instead. With masked row
  // loads (AVX-512, AVX2) at least 16: AVX2 double at 10 columns took 2.5x as long along the rows (per-row
  // horizontal sums) as across them.
  static constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  static constexpr std::size_t short_cols = loss_detail::has_onehot_short_block<Arch> && 2 * L < 16 ? 16 : 2 * L;
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
      if constexpr (loss_detail::has_onehot_short_block<Arch>) {
        // Masked row loads and a transpose-reduce (categorical_cross_entropy/onehot_short.hpp).
        const loss_detail::onehot_short_plan<Arch, T> sums(cols, eps);
        for (std::size_t r = r0; r < r1; r += L) {
          const std::size_t n = r1 - r < L ? r1 - r : L;
          loss_detail::store_first<Arch>(losses + r, n, -kernels::log<Arch>(V(sums(p + r * ldp, ldp, t + r * ldt, ldt, n))));
        }
        return;
      }
      for (std::size_t r = r0; r < r1; r += L) {
        const std::size_t n = r1 - r < L ? r1 - r : L;
        const T* pr = p + r * ldp;
        const T* tr = t + r * ldt;
        V s(T(0));
        for (std::size_t j = 0; j < cols; ++j) {
          const V pj = loss_detail::column<Arch>(pr + j, ldp, n, T(1));
          const V tj = loss_detail::column<Arch>(tr + j, ldt, n, T(1));
          s = xsimd::fma(clip_keep_nan<Arch>(pj, lo, hi), tj, s);
        }
        loss_detail::store_first<Arch>(losses + r, n, -kernels::log<Arch>(s));
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
      loss_detail::store_first<Arch>(losses + r, n, -kernels::log<Arch>(V::load_aligned(sums)));
    }
  });
}

}  // namespace nnsimd::kernels
