// The general path's tiling and cache blocking (tiling, blocking) and its register-blocked micro-tile
// (tile_args, tile, tile_table).
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "kernels/dense/common.hpp"
#include "kernels/relu.hpp"

namespace nnsimd::kernels {
namespace dense_detail {

// ---- general path -------------------------------------------------------------------------------------
template <class Arch, class T>
struct tiling {
  using V = xsimd::batch<T, Arch>;
  static constexpr std::size_t L = V::size;
  // Registers: MR*NV accumulators + NV w vectors (+ 1 broadcast) within the register file. AVX-512 has 32
  // zmm: 6 x 4 = 24 accumulators, 4 loads of w and 6 broadcasts per 24 FMAs; 2 FMA ports x 4 cycles
  // latency need at least 8 independent chains, 24 hide it with room to spare. With x and W in L1 the
  // tile runs at 89% of the FMA peak on the Zen 4, the speed of a register-only FMA loop there, so the
  // tile is not the limit (8 x 3 was no better, 12 x 2 lost 8-10%: its x micro-panel passes L1).
  // 16-register ISAs: 4 x 3 = 12 accumulators + 3 w + 1 broadcast.
  static constexpr bool wide_file = is_avx512<Arch> || std::is_base_of_v<xsimd::neon64, Arch>;
  static constexpr std::size_t MR = wide_file ? 6 : 4;
  static constexpr std::size_t NV = wide_file ? 4 : 3;
  static constexpr std::size_t NL = NV * L;  // outputs per tile row (64 floats on AVX-512)
  // k block: every k block after the first reloads and rewrites the y tile, and a smaller block means more
  // W blocks to pack. 1024 beat 256 by 1.5-2% at 1024 x 784 -> 128 (one k block instead of 4) and was
  // within 1% of 512, 768 and 2048 everywhere (f32 AVX-512 and AVX2, f64 AVX-512).
  static constexpr std::size_t KC = 1024;
  // n block for a k block of kc: the W block (kc x nc) is copied once per call and read by every row
  // tile, and each x micro-panel (MR x kc) is read again for every n block. AVX-512: 512 KiB, half of
  // Zen 4's L2, from which the tiles stream 64/MR bytes per cycle at most; 256 and 768 KiB were within 1%.
  // The others: 1 MiB (NEON not timed). On the Zen 3 (L2 512 KiB) 768 KiB to 1.5 MiB beat 512 KiB by 5-10% at
  // 2048^3 (f32 and f64, three runs of paired rounds): W panels from L3 cost less than re-reading x
  // (16 MiB at 2048^3) for every 120 columns instead of every 240; equal at 256 x 2048 ->
  // 1000, and the smaller shapes have a single n block either way. The n block changes no arithmetic
  // (each output's sum runs over the k blocks only), so it could follow the detected L2 without
  // changing a bit; it is a constant until a machine shows that it should.
  static constexpr std::size_t kWBlockBytes = (is_avx512<Arch> ? 512 : 1024) * 1024;
  static constexpr std::size_t nc_block(std::size_t kc) {
    const std::size_t nc = kc == 0 ? NL : (kWBlockBytes / (kc * sizeof(T))) / NL * NL;
    return nc < NL ? NL : nc;
  }
  // Copying W into panels costs ~7 us for 784 x 128 floats, paid once per call (and per thread): below 64
  // rows reading W in place is faster (5 vs 12 us at 1 x 784 -> 128), from 64 rows packing is (3.0 vs
  // 3.2 ms at 64 x 2048 -> 1000). Repeated calls avoid the copy with the prepacked layer (dense_pack).
  static constexpr std::size_t kPackRows = 64;
};

// The k and n blocks of a shape, fixed by (n_in, n_out) alone, and where each W block's panels sit in a
// prepacked buffer (dense_pack): blocks in (k block, n block) order, each block's panels of kc x NL
// contiguous, so block (k0, j0) starts at k0 * npad + kc * j0; the bias follows, zero-padded to npad.
template <class Arch, class T>
struct blocking {
  using tl = tiling<Arch, T>;
  std::size_t nkb, kstep, NC, npad;
  blocking(std::size_t n_in, std::size_t n_out)
      // k blocks of nearly equal size (1100 -> 2 x 550 rather than 1024 + 76); n_in = 0 is one empty block
      // that writes the bias.
      : nkb(n_in == 0 ? 1 : ceil_div<Arch>(n_in, tl::KC)),
        kstep(ceil_div<Arch>(n_in, nkb)),
        NC(tl::nc_block(kstep)),
        npad(ceil_div<Arch>(n_out, tl::NL) * tl::NL) {}
  std::size_t k0(std::size_t kb) const { return kb * kstep; }
  // k steps of block kb (0 for the one empty block of n_in = 0).
  std::size_t kc(std::size_t kb, std::size_t n_in) const {
    const std::size_t k = k0(kb);
    return k < n_in ? min_of<Arch>(kstep, n_in - k) : 0;
  }
  std::size_t panels_at(std::size_t k0, std::size_t kc, std::size_t j0) const { return k0 * npad + kc * j0; }
  std::size_t bias_at(std::size_t n_in) const { return n_in * npad; }
  std::size_t packed_size(std::size_t n_in) const { return (n_in + 1) * npad; }
};

template <class T>
struct tile_args {
  const T* x;        // first row of the tile, first k of the block
  std::size_t ldx;
  const T* w;        // first k row of the panel
  std::size_t ldw;   // panel row stride
  T* y;
  std::size_t ldy;
  std::size_t kc;    // k steps of this block
  std::size_t cols;  // valid outputs in the tile row, (N - 1) * L < cols <= N * L
  const T* bias;     // non-null on the last k block: add it (and apply relu)
  bool first;        // first k block: y holds no partial sum yet
};

// One M x (N vectors) tile of y over one k block.
template <class Arch, class T, std::size_t M, std::size_t N, bool Relu>
void tile(const tile_args<T>& a) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  const std::size_t last_n = a.cols - (N - 1) * L;  // lanes of the last vector, 1..L
  // The accumulators start at 0 and the partial sum of the earlier k blocks is added after the k loop,
  // so the y tile (often in L3 or DRAM: 2048 x 2048 floats is 16 MiB) is fetched while the loop runs
  // rather than stalling its first FMAs (prefetched here, loaded at the end).
  V acc[M][N];
  unroll<Arch, M>([&](auto i) {
    unroll<Arch, N>([&](auto j) {
      acc[i][j] = V(T(0));
      if (!a.first) __builtin_prefetch(a.y + i * a.ldy + j * L, 0, 3);
    });
  });
  const T* xp = a.x;
  const T* wp = a.w;
  for (std::size_t k = 0; k < a.kc; ++k, ++xp, wp += a.ldw) {
    V wv[N];
    unroll<Arch, N>([&](auto j) { wv[j] = V::load_unaligned(wp + j * L); });
    unroll<Arch, M>([&](auto i) {
      const V xv(xp[i * a.ldx]);
      unroll<Arch, N>([&](auto j) { acc[i][j] = xsimd::fma(xv, wv[j], acc[i][j]); });
    });
  }
  if (!a.first)
    unroll<Arch, M>([&](auto i) {
      unroll<Arch, N>([&](auto j) {
        const T* yp = a.y + i * a.ldy + j * L;
        acc[i][j] = ((j + 1 < N || last_n == L) ? V::load_unaligned(yp) : load_first<Arch>(yp, last_n)) + acc[i][j];
      });
    });
  if (a.bias) {
    V bv[N];
    unroll<Arch, N>([&](auto j) {
      bv[j] = (j + 1 < N || last_n == L) ? V::load_unaligned(a.bias + j * L) : load_first<Arch>(a.bias + j * L, last_n);
    });
    unroll<Arch, M>([&](auto i) {
      unroll<Arch, N>([&](auto j) {
        acc[i][j] = acc[i][j] + bv[j];
        if constexpr (Relu) acc[i][j] = relu_op<Arch>{}(acc[i][j]);
      });
    });
  }
  unroll<Arch, M>([&](auto i) {
    unroll<Arch, N>([&](auto j) {
      if (j + 1 < N || last_n == L)
        acc[i][j].store_unaligned(a.y + i * a.ldy + j * L);
      else
        store_first<Arch>(a.y + i * a.ldy + j * L, last_n, acc[i][j]);
    });
  });
}

// tile<M, N> for M in 1..MR, N in 1..NV, indexed [(M - 1) * NV + N - 1].
template <class Arch, class T, bool Relu>
struct tile_table {
  using tl = tiling<Arch, T>;
  using fn = void (*)(const tile_args<T>&);
  template <std::size_t... I>
  static constexpr auto make(std::index_sequence<I...>) {
    return std::array<fn, sizeof...(I)>{&tile<Arch, T, I / tl::NV + 1, I % tl::NV + 1, Relu>...};
  }
  static constexpr auto fns = make(std::make_index_sequence<tl::MR * tl::NV>{});
};

}  // namespace dense_detail
}  // namespace nnsimd::kernels
