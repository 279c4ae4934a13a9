// The row machinery of the elementwise ops (relu.hpp, clip.hpp): memory-bound, idempotent maps over rows,
// with streaming stores beyond the machine's threshold and a loop direction chosen against 4K aliasing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/arch.hpp"
#include "kernels/parallel.hpp"
#include "kernels/simd.hpp"

namespace nnsimd::kernels {

using simd::x86_minmax;

// Non-temporal (streaming) stores, x86 only: the line goes to memory without first being read into the
// cache (a normal store's read-for-ownership), so a map whose working set exceeds the last-level cache
// moves 2 bytes over the memory bus per byte of output instead of 3. Needs p aligned to the vector.
template <class Arch>
inline constexpr bool has_stream = x86_minmax<Arch>;

template <class Arch, class T>
inline void stream_store(T* p, const xsimd::batch<T, Arch>& v) {
  if constexpr (std::is_base_of_v<xsimd::avx512f, Arch>) {
    arch::x86_avx512<Arch, T>::stream_store(p, v);
    return;
  }
  if constexpr (std::is_base_of_v<xsimd::avx, Arch>) {
    arch::x86_avx2<Arch, T>::stream_store(p, v);
    return;
  }
  if constexpr (std::is_base_of_v<xsimd::sse2, Arch>) {
    arch::x86_sse2<Arch, T>::stream_store(p, v);
    return;
  }
  v.store_aligned(p);
}

// The fence after streamed stores (one instruction for either type; see arch/x86_sse2.hpp).
template <class Arch>
inline void stream_fence() {
  if constexpr (has_stream<Arch>) arch::x86_sse2<Arch, float>::store_fence();
}

// y[i, n) = op(x[i, n)) in whole vectors, stored by store(p, v), until fewer than L elements are left;
// returns where it stopped. Four independent vectors per iteration (enough loads in flight to cover L1
// latency at two loads per cycle). op is taken by value: through a reference every store to y might
// alias op's lo/hi, and GCC reloads and re-broadcasts them after each store (two extra loads a vector).
template <class Arch, class T, class Op, class Store>
inline std::size_t map_vectors(const T* x, T* y, std::size_t i, std::size_t n, Op op, const Store& store) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  for (; i + 4 * L <= n; i += 4 * L) {
    const V a = V::load_unaligned(x + i), b = V::load_unaligned(x + i + L);
    const V c = V::load_unaligned(x + i + 2 * L), d = V::load_unaligned(x + i + 3 * L);
    store(y + i, op(a));
    store(y + i + L, op(b));
    store(y + i + 2 * L, op(c));
    store(y + i + 3 * L, op(d));
  }
  for (; i + L <= n; i += L) store(y + i, op(V::load_unaligned(x + i)));
  return i;
}

// map_vectors from the end: y[i, n) = op(x[i, n)) for the last whole vectors, down to fewer than L
// elements left; returns where it stopped.
template <class Arch, class T, class Op>
inline std::size_t map_vectors_down(const T* x, T* y, std::size_t n, Op op) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  std::size_t i = n;
  for (; i >= 4 * L; i -= 4 * L) {
    const V a = V::load_unaligned(x + i - L), b = V::load_unaligned(x + i - 2 * L);
    const V c = V::load_unaligned(x + i - 3 * L), d = V::load_unaligned(x + i - 4 * L);
    op(a).store_unaligned(y + i - L);
    op(b).store_unaligned(y + i - 2 * L);
    op(c).store_unaligned(y + i - 3 * L);
    op(d).store_unaligned(y + i - 4 * L);
  }
  for (; i >= L; i -= L) op(V::load_unaligned(x + i - L)).store_unaligned(y + i - L);
  return i;
}

// 4K aliasing: a load waits for an earlier store whose address agrees with it in the low 12 bits (the
// core compares those before the full address), so when y sits a little ahead of x modulo 4 KiB, the
// forward loop's loads of x + i + d keep waiting for its own stores to y + i. Measured on Zen 4 (relu, 4 Ki
// floats in L1, 4 x unrolled): forward 139 ns when y - x = 0 or -64..-1024 bytes mod 4 KiB, 340-375 ns at
// +64..+256, 235 at +512, 163 at +1024; backward is the mirror image. So the span runs backward when
// 0 < (y - x) mod 4 KiB < 2 KiB. (The benchmarks' separately allocated x and y land at about +80 B.)
inline bool run_backward(const void* x, const void* y) {
  const std::uintptr_t d = (reinterpret_cast<std::uintptr_t>(y) - reinterpret_cast<std::uintptr_t>(x)) % 4096;
  return d != 0 && d < 2048;
}

// y[0, n) = op(x[0, n)). The tail (or, backward, the head) reuses one full vector ending at n (starting
// at 0), overlapping elements already written: correct because op is idempotent (op(op(v)) == op(v)),
// even in place; x and y never partially overlap. Only n < lanes runs scalar code.
template <class Arch, class T, class Op>
inline void map_span(const T* x, T* y, std::size_t n, const Op& op) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  if (n < L) {
    for (std::size_t i = 0; i < n; ++i) y[i] = op.scalar(x[i]);
  } else if (run_backward(x, y)) {
    if (map_vectors_down<Arch>(x, y, n, op) != 0) op(V::load_unaligned(x)).store_unaligned(y);
  } else {
    if (map_vectors<Arch>(x, y, 0, n, op, [](T* p, const V& v) { v.store_unaligned(p); }) != n)
      op(V::load_unaligned(x + n - L)).store_unaligned(y + n - L);
  }
}

// map_span for spans far beyond the last-level cache (see map_rows): one ordinary vector store covers
// the head up to the first vector-aligned y (overlap is harmless: op is idempotent), the aligned body is
// streamed, the tail is one ordinary vector ending at n, and a fence orders the streamed stores before
// the call returns. Requires n >= 2 L.
template <class Arch, class T, class Op>
inline void map_span_stream(const T* x, T* y, std::size_t n, const Op& op) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  op(V::load_unaligned(x)).store_unaligned(y);
  const std::size_t off = reinterpret_cast<std::uintptr_t>(y) % sizeof(V);  // a multiple of sizeof(T)
  map_vectors<Arch>(x, y, off == 0 ? 0 : (sizeof(V) - off) / sizeof(T), n, op,
                    [](T* p, const V& v) { stream_store<Arch>(p, v); });
  stream_fence<Arch>();
  op(V::load_unaligned(x + n - L)).store_unaligned(y + n - L);
}

// Applies op to a rows x cols strided matrix. When both x and y are contiguous (ld == cols) the matrix
// is one span, so short rows (the book's 300 x 3) still run full vectors; the span is cut into blocks
// of kBlock elements that the threads share.
template <class Arch, class T, class Op>
void map_rows(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t cols, const Op& op) {
  if (rows == 0 || cols == 0) return;
  if (ldx == cols && ldy == cols) {
    constexpr std::size_t kBlock = 16384;  // 64 KiB of float: whole cache lines, enough to amortize a fork
    const std::size_t n = rows * cols, blocks = (n + kBlock - 1) / kBlock;
    // Work in ps (see parallel.hpp): relu 75, clip 88 ps an element at 64 Ki (L2), f32 AVX-512, 1 thread.
    // Beyond the machine's streaming threshold (the measured knee, see parallel.hpp), streaming stores
    // (x86). relu of 16 Mi floats (128 MiB touched), f32 avx512, one thread, Zen 4, side by side (CPU
    // time, medians of 5): 4.14 ms streamed against 6.14 with ordinary stores, Eigen's 6.10 and XNNPACK's
    // 6.48; 32.4 GB/s, the bandwidth of a streamed copy at that size.
    const bool stream = has_stream<Arch> && detail::stream_stores((x == y ? 1 : 2) * n * sizeof(T));
    detail::parallel_rows<Arch>(blocks, kBlock * 85 * (sizeof(T) / 4), 1, [&](std::size_t b0, std::size_t b1) {
      const std::size_t i0 = b0 * kBlock, i1 = b1 * kBlock < n ? b1 * kBlock : n;
      if (stream && i1 - i0 >= 2 * xsimd::batch<T, Arch>::size)
        map_span_stream<Arch>(x + i0, y + i0, i1 - i0, op);
      else
        map_span<Arch>(x + i0, y + i0, i1 - i0, op);
    });
    return;
  }
  // Work in ps: strided relu measured 2.2 ns a row at 3 columns, 2.4 at 10, 20.4 at 256.
  detail::parallel_rows<Arch>(rows, (80 * cols + 1800) * (sizeof(T) / 4), 1, [&](std::size_t r0, std::size_t r1) {
    for (std::size_t r = r0; r < r1; ++r) map_span<Arch>(x + r * ldx, y + r * ldy, cols, op);
  });
}

}  // namespace nnsimd::kernels
