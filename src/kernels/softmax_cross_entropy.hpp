// softmax_cross_entropy: the fused log-softmax cross-entropy on logits, on softmax's row machinery
// (softmax/rows.hpp for long rows, softmax/across.hpp and softmax/registers.hpp for short ones).
#pragma once

#include <cstddef>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/gcc_105593.hpp"
#include "kernels/parallel.hpp"
#include "kernels/softmax/across.hpp"
#include "kernels/softmax/registers.hpp"
#include "kernels/softmax/rows.hpp"

NNSIMD_GCC105593_BEGIN  // arch/gcc_105593.hpp

namespace nnsimd::kernels {

// losses[r] = (m - x[label]) + log(s): m - x_label first, which is exact when x_label is within a factor
// of two of m (Sterbenz), so a large |m| does not cost absolute accuracy (m + log(s) first would lose
// |m| u).
template <class Arch, class T>
void softmax_cross_entropy(const T* x, std::size_t ldx, const std::int32_t* labels, T* losses, std::size_t rows,
                        std::size_t cols) {
  namespace sd = softmax_detail;
  if (rows == 0 || cols == 0) return;
  constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  if (cols < sd::across_cols<Arch, T>) {
    // Work in ps: 2.1 ns a row at 3 columns, 4.45 at 10.
    detail::parallel_rows<Arch>(rows, (340 * cols + 1050) * (sizeof(T) / 4), L, [&](std::size_t r0, std::size_t r1) {
      if (sd::register_across<Arch, T>(cols, true))
        sd::softmax_cce_across_reg<Arch>(x, ldx, labels, losses, r0, r1, cols);
      else
        sd::softmax_cce_across<Arch>(x, ldx, labels, losses, r0, r1, cols);
    });
    return;
  }
  // Work in ps: 35.6 ns a row at 128 columns, 216 at 1000, 1640 at 8000.
  detail::parallel_rows<Arch>(rows, (200 * cols + 10000) * (sizeof(T) / 4), 1, [&](std::size_t r0, std::size_t r1) {
    sd::softmax_cce_rows<Arch>(x, ldx, labels, losses, r0, r1, cols);
  });
}

}  // namespace nnsimd::kernels

NNSIMD_GCC105593_END
