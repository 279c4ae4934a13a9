// softmax and the fused loss on long rows: one row at a time, software-pipelined (see softmax.hpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/gcc_105593.hpp"
#include "kernels/softmax/exp.hpp"

NNSIMD_GCC105593_BEGIN  // arch/gcc_105593.hpp

namespace nnsimd::kernels {
namespace softmax_detail {

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

}  // namespace softmax_detail
}  // namespace nnsimd::kernels

NNSIMD_GCC105593_END
