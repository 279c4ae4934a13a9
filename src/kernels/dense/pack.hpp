// Copying W into the zero-padded panels of the general path: per call (pack_panels) or once, for
// dense_pack (pack_general).
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "kernels/dense/common.hpp"
#include "kernels/dense/tile.hpp"

namespace nnsimd::kernels {
namespace dense_detail {

// dst[0, width) = src[0, n) then zeros (n <= width, width a multiple of L; dst vector-aligned).
template <class Arch, class T>
inline void copy_padded(const T* src, std::size_t n, T* dst, std::size_t width) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  std::size_t c = 0;
  for (; c + L <= n; c += L) V::load_unaligned(src + c).store_aligned(dst + c);
  if (c < n) load_first<Arch>(src + c, n - c).store_aligned(dst + c), c += L;
  for (; c < width; c += L) V(T(0)).store_aligned(dst + c);
}

// Copies w[0..kc) x [0..nc) into panels of NL columns: panel p holds kc rows of NL elements, contiguous,
// columns past nc zero (a partial panel computes zeros in lanes that are never stored).
template <class Arch, class T>
void pack_panels(const T* w, std::size_t ldw, std::size_t kc, std::size_t nc, std::size_t p0, T* buf) {
  constexpr std::size_t NL = tiling<Arch, T>::NL;
  const std::size_t np = ceil_div<Arch>(nc, NL);
  for (std::size_t p = p0; p < np; ++p) {
    const std::size_t c0 = p * NL, cols = min_of<Arch>(NL, nc - c0);
    T* dst = buf + (p - p0) * kc * NL;
    for (std::size_t k = 0; k < kc; ++k, dst += NL) {
      const T* src = w + k * ldw + c0;
      // The panel's lines 8 rows ahead: W rows are ldw apart (4000 B at 2048 -> 1000, half of them not
      // 64-byte aligned) and W (8 MB there) comes from L3 or DRAM. 0.8-1.5% faster at 256 x 2048 -> 1000
      // (three interleaved runs), equal elsewhere; 32 rows ahead gained nothing.
      if (k + 8 < kc)
        for (std::size_t c = 0; c < cols + 64 / sizeof(T); c += 64 / sizeof(T)) __builtin_prefetch(src + 8 * ldw + c, 0, 3);
      copy_padded<Arch>(src, cols, dst, NL);
    }
  }
}

// W and b copied once into the panels dense_general reads (see blocking): the per-call copy is gone.
template <class Arch, class T>
void pack_general(const T* w, std::size_t ldw, const T* b, std::size_t n_in, std::size_t n_out, T* packed) {
  const blocking<Arch, T> bl(n_in, n_out);
  for (std::size_t kb = 0; kb < bl.nkb; ++kb) {
    const std::size_t k0 = bl.k0(kb), kc = bl.kc(kb, n_in);
    for (std::size_t j0 = 0; j0 < n_out; j0 += bl.NC)
      pack_panels<Arch>(w ? w + k0 * ldw + j0 : nullptr, ldw, kc, min_of<Arch>(bl.NC, n_out - j0), 0,
                        packed + bl.panels_at(k0, kc, j0));
  }
  copy_padded<Arch>(b, n_out, packed + bl.bias_at(n_in), bl.npad);
}

}  // namespace dense_detail
}  // namespace nnsimd::kernels
