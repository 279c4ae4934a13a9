// softmax and the fused softmax cross-entropy on logits.
//
// Both start from the same two facts per row: m = max_j x_j, and s = sum_j exp(x_j - m). softmax writes
// exp(x_j - m) / s; the fused loss is logsumexp(x) - x_label = (m - x_label) + log(s).
//
// Two code paths, chosen from cols alone (never from the thread partition, so results are bit-identical
// for every thread count):
//  * short rows (cols < across_cols<Arch, T>): L = lanes rows at a time, transposed so that one vector
//    holds one column of L rows. Every per-row quantity (max, sum, 1/s, log) is then an ordinary
//    lane-wise vector op: no horizontal reductions and no scalar tails. The book's 300 x 3 runs 19
//    blocks of 3 vectors instead of 300 rows of one partial vector each. AVX-512 and AVX2 transpose in
//    registers (simd::transpose_blocks, one load and one store per row and chunk of columns); the other
//    ISAs (and AVX2 float rows shorter than L) through a tile in memory.
//  * long rows: one row at a time, software-pipelined: the exp pass of row r (exp(x - m) stored into y,
//    summed) also computes the max of row r + 1 and scales row r - 1 by its 1/s, so each row is read
//    twice and written twice, with the memory-bound work hidden under exp's arithmetic. Storing and
//    rescaling beats recomputing exp: a load, a multiply and a store per vector against ~16 ops.
// Measured (avx512, float, one thread, Zen 4, best of many calls): 256 x 1000 in 71 us, 64 x 32000 in
// 500 us, 4096 x 128 in 146 us, i.e. 1.16x, 1.02x, 1.17x the time of xsimd::exp alone at 4.2 G/s;
// Eigen row by row takes 1.6x, 1.7x, 3.1x as long. Short rows (benchmark medians, one run, peers in the
// same process): 300 x 3 in 0.72 us (Eigen 4.9 us: 6.7x), 1024 x 10 in 6.5 us (oneDNN 20.9 us: 3.2x;
// xsimd::exp alone 2.4 us); the tile path took 1.31 and 9.66 us. Fused loss: 0.63 and 4.6 us (tile
// path 1.22 and 7.5 us; Eigen 4.35 and 39 us).
//
// exp is our own (exp_nonpos below), valid for t = x - m <= 0 only, which is all softmax needs: no
// overflow handling, one compare for underflow. Its error was measured over every float in [-104, 0]
// (src/spec/softmax.hpp).
//
// Special values follow NumPy with no special-case code: a NaN x gives t = NaN and exp(NaN) = NaN; a
// +inf x makes m = +inf and t = inf - inf = NaN; an all -inf row gives m = -inf and t = NaN. One NaN t
// makes s NaN and so the whole row (every y = e / s, the loss = ... + log(s)) NaN. A -inf entry with a
// finite m gives t = -inf and exp = 0 exactly.
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

// Work per row for the parallel threshold: about 20 flops per element (exp and the passes).
template <class Arch, class T>
void softmax(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t cols) {
  namespace sd = softmax_detail;
  if (rows == 0 || cols == 0) return;
  constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  if (cols < sd::across_cols<Arch, T>) {
    // Work in ps (see parallel.hpp): 2.4 ns a row at 3 columns, 6.3 at 10 (f32 AVX-512, 1 thread).
    detail::parallel_rows<Arch>(rows, (560 * cols + 730) * (sizeof(T) / 4), L, [&](std::size_t r0, std::size_t r1) {
      if (sd::register_across<Arch, T>(cols, false))
        sd::softmax_across_reg<Arch>(x, ldx, y, ldy, r0, r1, cols);
      else
        sd::softmax_across<Arch>(x, ldx, y, ldy, r0, r1, cols);
    });
    return;
  }
  // Work in ps: 14.7 ns a row at 32 columns, 35.3 at 128, 274 at 1000, 1830 at 8000.
  detail::parallel_rows<Arch>(rows, (230 * cols + 6000) * (sizeof(T) / 4), 1, [&](std::size_t r0, std::size_t r1) {
    sd::softmax_rows<Arch>(x, ldx, y, ldy, r0, r1, cols);
  });
}

}  // namespace nnsimd::kernels


NNSIMD_GCC105593_END
