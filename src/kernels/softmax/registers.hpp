// softmax and the fused loss on short rows across rows, transposed in registers (AVX-512, AVX2).
#pragma once

#include <cstddef>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/gcc_105593.hpp"
#include "kernels/arch/arch.hpp"
#include "kernels/simd.hpp"
#include "kernels/softmax/across.hpp"
#include "kernels/softmax/exp.hpp"

NNSIMD_GCC105593_BEGIN  // arch/gcc_105593.hpp

namespace nnsimd::kernels {
namespace softmax_detail {

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
  if constexpr (simd::is_avx512<Arch>) {
    // In float lanes, as store_rows. A 64-byte block: one (masked) load; 32-byte blocks: two 32-byte
    // loads joined by an insert; 16-byte blocks: four merging masked loads at the row's address minus
    // 4 q. Against merging 64-byte masked loads for every width: 1024 x 10 double 0.88x the time,
    // 1024 x 16 float 0.93x, 1024 x 5 float 1.08x, 1024 x 10 float the same.
    using F = arch::x86_avx512<Arch, float>;
    constexpr std::size_t Wf = W * sizeof(T) / 4;
    const std::size_t nf = n * sizeof(T) / 4;
    const unsigned m = (1u << nf) - 1;
    const auto row = [&](std::size_t r) { return reinterpret_cast<const float*>(x + r * ldx); };
    for (std::size_t k = 0; k < W; ++k) {
      typename F::V acc;
      if constexpr (Wf == 16) {
        acc = k >= nr ? F::zero() : nf == 16 ? F::load(row(k)) : F::load_maskz(static_cast<typename F::M>(m), row(k));
      } else if constexpr (Wf == 8) {
        const auto half = [&](std::size_t r) {
          return r >= nr ? F::zero_256() : nf == 8 ? F::load_256(row(r)) : F::load_maskz_256(static_cast<typename F::M8>(m), row(r));
        };
        acc = F::join_256(half(k), half(k + W));
      } else {
        static_assert(Wf == 4);
        acc = F::zero();
        for (std::size_t q = 0; q < L / W; ++q) {
          const std::size_t r = k + W * q;
          const float* p = r < nr ? row(r) - 4 * q : row(0);
          acc = F::load_mask(acc, static_cast<typename F::M>(r < nr ? m << (4 * q) : 0u), p);
        }
      }
      if constexpr (sizeof(T) == 4)
        v[k] = acc;
      else
        v[k] = F::as_pd(acc);
    }
    return;
  }
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
  if constexpr (simd::is_avx512<Arch>) {
    // In float lanes: a block is Wf floats, the row nf floats.
    using F = arch::x86_avx512<Arch, float>;
    constexpr std::size_t Wf = W * sizeof(T) / 4;
    const std::size_t nf = n * sizeof(T) / 4;
    const unsigned m = (1u << nf) - 1;
    for (std::size_t k = 0; k < W; ++k) {
      typename F::V vk;
      if constexpr (sizeof(T) == 4)
        vk = v[k];
      else
        vk = F::from_pd(v[k]);
      for (std::size_t q = 0; q < L / W; ++q) {
        const std::size_t r = k + W * q;
        if (r >= nr) break;
        float* p = reinterpret_cast<float*>(y + r * ldy);
        if constexpr (Wf == 16) {
          if (nf == 16)
            F::store(p, vk);
          else
            F::store_mask(p, static_cast<typename F::M>(m), vk);
        } else if constexpr (Wf == 8) {
          const typename F::V8 b = q == 0 ? F::template block_256<0>(vk) : F::template block_256<1>(vk);
          if (nf == 8)
            F::store(p, b);
          else
            F::store_mask(p, static_cast<typename F::M8>(m), b);
        } else {
          static_assert(Wf == 4);
          typename F::V4 b;
          switch (q) {
            case 0: b = F::template block_128<0>(vk); break;
            case 1: b = F::template block_128<1>(vk); break;
            case 2: b = F::template block_128<2>(vk); break;
            default: b = F::template block_128<3>(vk); break;
          }
          if (nf == 4)
            F::store(p, b);
          else
            F::store_mask(p, static_cast<typename F::M8>(m), b);
        }
      }
    }
    return;
  }
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
    if constexpr (simd::is_avx512<Arch>) {
      // x_label picked from the columns by comparing the labels with j: 2 ops per column instead of
      // L scalar loads and a vector load that cannot forward from L scalar stores (1024 x 10 float:
      // 0.94x the time, 300 x 3 0.84x).
      using O = arch::x86_avx512<Arch, T>;
      const typename O::Labels lab = O::load_first_labels(labels + b, nr);
      typename O::V acc = c[0];
      for (std::size_t j = 1; j < cols; ++j) acc = O::take_if_label(acc, lab, j, c[j]);
      xlv = acc;
    } else
    {
      for (std::size_t r = 0; r < L; ++r) xl[r] = r < nr ? x[(b + r) * ldx + static_cast<std::size_t>(labels[b + r])] : T(0);
      xlv = V::load_aligned(xl);
    }
    V m;
    const V s = block_exp_sum<Arch>(c, cols, m, false);
    const V loss = (m - xlv) + kernels::log<Arch>(s);
    store_first<Arch>(losses + b, nr, loss);
  }
}

}  // namespace softmax_detail
}  // namespace nnsimd::kernels

NNSIMD_GCC105593_END
