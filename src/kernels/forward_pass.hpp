// forward_pass / forward_pass_packed: the chapter's whole network in one call, over row blocks.
//
// The book runs it as five calls over the whole batch: dense1 + ReLU writes the hidden activations
// (rows x n_hidden), dense2 the logits (rows x n_out), softmax the probabilities, then the loss and the
// accuracy read them back. Here each block of rows goes through all five before the next block starts,
// so its h and z (and p, written over z in place) live in a per-thread buffer that stays in cache and is
// reused: for 4096 x 784 -> 1024 -> 1000 in float, the unfused pass writes and reads back 32 MiB of
// intermediates (DRAM on every machine we run on), the fused one at most 4 MiB per thread
// (max_block_rows). The weights are packed once per call (forward_pass) or before it
// (forward_pass_packed); each block then reads the packed panels.
//
// The block runs the library's own kernels (dense_packed_relu, dense_packed_forward, softmax in place,
// categorical_cross_entropy, accuracy), and each of them computes a row the same way whatever rows a
// call gets (dense.hpp, softmax.hpp: the code path is a function of the shape, never of the partition;
// the losses and the argmax are per row). So every loss, probability and the hit count are bit-identical
// to the unfused calls, and the mean, summed afterwards over all rows by `sum` in an order fixed by the
// row count (sum.hpp), is too. tests/test_forward_pass.cpp checks it on every ISA and thread count.
//
// Threads: the rows are split over the OpenMP threads in runs of 48 (parallel_rows), each thread cuts its
// run into equal blocks, and the kernels a block calls see omp_in_parallel() and stay on their thread.
// Below the parallel threshold the whole pass runs on the calling thread, and its kernels may split
// their own rows.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "kernels/accuracy.hpp"
#include "kernels/categorical_cross_entropy.hpp"
#include "kernels/dense.hpp"
#include "kernels/parallel.hpp"
#include "nnsimd/detail/runtime.hpp"
#include "kernels/softmax.hpp"

namespace nnsimd::kernels {
namespace forward_detail {

// Rows are split over threads, and blocks cut, in multiples of block_step: of every dense micro-tile
// height (4 and 6) and of every vector length, so no block but a thread's last ends in a partial tile or
// softmax group.
inline constexpr std::size_t block_step = 48;

// The most rows per block: h and z of a block within the budget (detail::forward_block_bytes, 4 MiB), a
// multiple of block_step, at least block_step rows. The budget is the larger side of a trade: a block
// re-reads both packed layers (from L3 for wide ones), so more rows per block amortize them over more
// micro-tiles, while the intermediates should stay in a cache. 4 MiB per thread stays within the L3 of
// every machine we run on (32 MiB and more); at 4096 x 784 -> 1024 -> 1000 (480 rows a block in float,
// 240 in double) it took 0.85x the time of 256 KiB blocks (L2-sized: 48 and 32 rows) in double and 0.93x
// in float, and the same (within 3%) at 1024 x 784 -> 128 -> 10 (tools/ab.py, 10 ABBA pairs, Zen 3).
// Templated on Arch, as every kernel helper: a weak symbol without the xsimd tag could be merged across
// the ISA objects by the linker (tests/check_isa_symbols.cmake).
template <class Arch, class T>
std::size_t max_block_rows(std::size_t n_hidden, std::size_t n_out) {
  const std::size_t per_row = (n_hidden + n_out) * sizeof(T);
  return std::max<std::size_t>(detail::forward_block_bytes() / per_row / block_step * block_step, block_step);
}

// The estimated single-thread time of one row in ps, for the parallel threshold (parallel.hpp): the two
// layers' multiply-adds at dense's rate (dense/blocked.hpp) plus softmax's and the losses' per-row cost.
template <class Arch, class T>
std::size_t work_per_row(std::size_t n_in, std::size_t n_hidden, std::size_t n_out) {
  return (18 * (n_in * n_hidden + n_hidden * n_out) + 60 * (n_in + 2 * n_hidden + n_out) + 300 * n_out + 2000) *
         (sizeof(T) / 4);
}

}  // namespace forward_detail

template <class Arch, class T>
std::size_t forward_pass_packed(const T* x, std::size_t ldx, const T* packed1, const T* packed2,
                                const std::int32_t* labels, T* losses, T* probs, std::size_t ldp, std::size_t rows,
                                std::size_t n_in, std::size_t n_hidden, std::size_t n_out, T eps) {
  namespace fd = forward_detail;
  constexpr std::size_t step = fd::block_step;
  if (rows == 0) return 0;
  const std::size_t rb_max = fd::max_block_rows<Arch, T>(n_hidden, n_out);
  std::atomic<std::size_t> total{0};
  const std::size_t work = fd::work_per_row<Arch, T>(n_in, n_hidden, n_out);
  detail::parallel_rows<Arch>(rows, work, step, [&](std::size_t r0, std::size_t r1) {
    // The thread's rows in blocks of equal size (multiples of step, the last shorter), at most rb_max.
    const std::size_t nb = (r1 - r0 + rb_max - 1) / rb_max;
    const std::size_t rb = ((r1 - r0 + nb - 1) / nb + step - 1) / step * step;
    // Slots 1 and 2: dense's own per-thread W panels are slot 0 (unused with packed layers, but a
    // caller's unfused call on this thread keeps its buffer).
    T* h = dense_detail::scratch<Arch, T, 1>(rb * n_hidden);
    T* z = probs ? nullptr : dense_detail::scratch<Arch, T, 2>(rb * n_out);
    std::size_t hits = 0;
    for (std::size_t b0 = r0; b0 < r1; b0 += rb) {
      const std::size_t n = std::min(rb, r1 - b0);
      T* zb = probs ? probs + b0 * ldp : z;
      const std::size_t ldz = probs ? ldp : n_out;
      dense_packed_relu<Arch, T>(x + b0 * ldx, ldx, packed1, h, n_hidden, n, n_in, n_hidden);
      dense_packed_forward<Arch, T>(h, n_hidden, packed2, zb, ldz, n, n_hidden, n_out);
      softmax<Arch, T>(zb, ldz, zb, ldz, n, n_out);
      categorical_cross_entropy<Arch, T>(zb, ldz, labels + b0, losses + b0, n, n_out, eps);
      hits += accuracy<Arch, T>(zb, ldz, labels + b0, n, n_out);
    }
    total.fetch_add(hits, std::memory_order_relaxed);
  });
  return total.load(std::memory_order_relaxed);
}

// Packs both layers (what dense_relu and dense_forward do with their W on every call of a batch that
// amortizes it), then the packed pass.
template <class Arch, class T>
std::size_t forward_pass(const T* x, std::size_t ldx, const T* w1, std::size_t ldw1, const T* b1, const T* w2,
                         std::size_t ldw2, const T* b2, const std::int32_t* labels, T* losses, T* probs,
                         std::size_t ldp, std::size_t rows, std::size_t n_in, std::size_t n_hidden, std::size_t n_out,
                         T eps) {
  if (rows == 0) return 0;
  // The calling thread's slots 3 and 4, kept across calls (no allocation per call: the book's 300 x 2 ->
  // 3 -> 3 takes 3 us in all); the block threads only read them.
  T* p1 = dense_detail::scratch<Arch, T, 3>(dense_packed_size<Arch, T>(n_in, n_hidden));
  T* p2 = dense_detail::scratch<Arch, T, 4>(dense_packed_size<Arch, T>(n_hidden, n_out));
  dense_pack<Arch, T>(w1, ldw1, b1, n_in, n_hidden, p1);
  dense_pack<Arch, T>(w2, ldw2, b2, n_hidden, n_out, p2);
  return forward_pass_packed<Arch, T>(x, ldx, p1, p2, labels, losses, probs, ldp, rows, n_in, n_hidden, n_out, eps);
}

}  // namespace nnsimd::kernels
