// softmax and the fused loss on short rows across rows, through a transposed tile in memory (gathers in).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/gcc_105593.hpp"
#include "kernels/log.hpp"
#include "kernels/softmax/exp.hpp"

NNSIMD_GCC105593_BEGIN  // arch/gcc_105593.hpp

namespace nnsimd::kernels {
namespace softmax_detail {

// ---- short rows: L rows per block, one column of the block per vector -----------------------------------
// Rows shorter than max(2L, 16) take the across-rows path: the per-row path pays two horizontal
// reductions, a division and partial vectors per row, which across rows share (avx512 f32 on the Zen 4:
// 5.4x faster at 3 columns, 2.0x at 10; the two paths meet at 2L columns, 31 and 32 in 15.5 and 15.3 us
// for 1024 rows). With 2 or 4 lanes (sse2, avx2 double) the per-row overheads weigh more: at least 16.
template <class Arch, class T>
inline constexpr std::size_t across_cols = 2 * xsimd::batch<T, Arch>::size < 16 ? 16 : 2 * xsimd::batch<T, Arch>::size;

// A hardware gather (AVX2, AVX-512) loads a column of a full block in one instruction, with int32
// offsets r * ld + j; partial blocks and strides whose offsets overflow int32 go through scalar loads.
// The tile holds the same values either way, so a row's result does not depend on which way it went.
// The gather takes 0.82-0.85x the time of scalar loads on avx2 (float), about the same on avx512; the
// AVX-512 scatter was slower than scalar stores (1.21x), so results leave through the tile.
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
    const V loss = (m - V::load_aligned(xl)) + kernels::log<Arch>(s);
    store_first<Arch>(losses + b, nr, loss);
  }
}

}  // namespace softmax_detail
}  // namespace nnsimd::kernels

NNSIMD_GCC105593_END
