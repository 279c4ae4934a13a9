// The general path's driver (dense_general): k and n blocks, W panels, micro-tiles over the rows.
#pragma once

#include <cstddef>

#include "kernels/dense/common.hpp"
#include "kernels/dense/pack.hpp"
#include "kernels/dense/tile.hpp"
#include "kernels/parallel.hpp"

namespace nnsimd::kernels {
namespace dense_detail {

// `prepacked`: W and b as dense_pack laid them out (w, ldw and b unused), or null to read w in place or
// copy it into per-thread panels on each call.
template <class Arch, class T, bool Relu>
void dense_general(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, T* y, std::size_t ldy,
                   std::size_t rows, std::size_t n_in, std::size_t n_out, const T* prepacked) {
  using tl = tiling<Arch, T>;
  constexpr std::size_t L = tl::L, MR = tl::MR, NL = tl::NL;
  const bool pack = prepacked != nullptr || rows >= tl::kPackRows;
  const blocking<Arch, T> bl(n_in, n_out);
  const std::size_t nkb = bl.nkb, kstep = bl.kstep, NC = bl.NC, nc_max = min_of<Arch>(NC, n_out);
  if (prepacked) b = prepacked + bl.bias_at(n_in);
  const auto& fns = tile_table<Arch, T, Relu>::fns;

  // Work in ps (see parallel.hpp): 17.8-18.5 ps per multiply-add measured from 256x64->64 to 64x784->128
  // (f32 AVX-512, 1 thread), plus 60 ps per input and output column (10->10: 3.6 ns a row, 128->10: 36.5).
  detail::parallel_rows<Arch>(rows, (18 * n_in * n_out + 60 * (n_in + n_out)) * (sizeof(T) / 4), MR, [&](std::size_t r0, std::size_t r1) {
    T* buf = prepacked ? nullptr : scratch<Arch, T>(kstep * ceil_div<Arch>(nc_max, NL) * NL);
    for (std::size_t kb = 0; kb < nkb; ++kb) {
      const std::size_t k0 = bl.k0(kb), kc = bl.kc(kb, n_in);
      for (std::size_t j0 = 0; j0 < n_out; j0 += NC) {
        const std::size_t nc = min_of<Arch>(NC, n_out - j0), np = ceil_div<Arch>(nc, NL);
        // w is null when n_in is 0 (an empty w): no address is formed from it then (kc = 0, nothing is read).
        const T* wblk = prepacked || !w ? nullptr : w + k0 * ldw + j0;
        // Without packing, full panels are read in place; a partial last panel is still copied, so
        // that no load reads past the end of a w row.
        const std::size_t first_packed = pack ? 0 : nc / NL;
        const T* panels = buf;
        if (prepacked)
          panels = prepacked + bl.panels_at(k0, kc, j0);
        else
          pack_panels<Arch>(wblk, ldw, kc, nc, first_packed, buf);
        for (std::size_t r = r0; r < r1; r += MR) {
          const std::size_t m = min_of<Arch>(MR, r1 - r);
          tile_args<T> a{x + r * ldx + k0, ldx, nullptr, 0, nullptr, ldy, kc, 0, nullptr, kb == 0};
          for (std::size_t p = 0; p < np; ++p) {
            const std::size_t c0 = p * NL;
            a.cols = min_of<Arch>(NL, nc - c0);
            if (p >= first_packed) {
              a.w = panels + (p - first_packed) * kc * NL;
              a.ldw = NL;
            } else {
              a.w = wblk ? wblk + c0 : nullptr;
              a.ldw = ldw;
            }
            a.y = y + r * ldy + j0 + c0;
            a.bias = kb + 1 == nkb ? b + j0 + c0 : nullptr;
            fns[(m - 1) * tl::NV + ceil_div<Arch>(a.cols, L) - 1](a);
          }
        }
      }
    }
  });
}

}  // namespace dense_detail
}  // namespace nnsimd::kernels
