// relu and clip: elementwise, memory-bound, idempotent maps.
#pragma once

#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "kernels/parallel.hpp"

namespace nnsimd::kernels {

// The x86 vector ISAs, whose MAXPS/MINPS (and PD) return their second operand when either is NaN and
// when both are equal (signed zeros): xsimd's max/min map to them directly on sse2, avx and avx512f.
template <class Arch>
inline constexpr bool x86_minmax = std::is_base_of_v<xsimd::sse2, Arch> || std::is_base_of_v<xsimd::avx, Arch> ||
                                   std::is_base_of_v<xsimd::avx512f, Arch>;

// relu(x) = x < 0 ? 0 : x, NaN kept as NumPy keeps it, -0 kept as -0 (np.maximum(0, -0.0) is -0.0).
// x86: MAXPS/MAXPD return their SECOND operand when either is NaN and when both are zeros, so
// max(0, x) is exactly that expression in one instruction (compare + blend is two; at 4 Ki floats in L1
// the two-op version ran at 61% of copy bandwidth). Elsewhere (NEON's FMAX propagates NaN but orders
// -0 < +0) the compare and select.
template <class Arch>
struct relu_op {
  template <class V>
  V operator()(V x) const {
    if constexpr (x86_minmax<Arch>)
      return xsimd::max(V(0), x);
    else
      return xsimd::select(x < V(0), V(0), x);
  }
  template <class T>
  T scalar(T x) const {
    return x < T(0) ? T(0) : x;
  }
};

// clip(x) = x < lo ? lo : (x > hi ? hi : x); NaN fails both compares and is kept, as numpy.clip.
// Also the clip inside the cross-entropies (loss.hpp). On x86 min(hi, max(lo, x)): MAXPS/MINPS return
// the second operand when one is NaN or both are equal, which is this expression exactly (same bits,
// signed zeros included), in 2 operations instead of 2 compares and 2 blends.
template <class Arch, class V>
inline V clip_keep_nan(V x, V lo, V hi) {
  if constexpr (x86_minmax<Arch>)
    return xsimd::min(hi, xsimd::max(lo, x));
  else
    return xsimd::select(x < lo, lo, xsimd::select(x > hi, hi, x));
}

template <class Arch, class T>
struct clip_op {
  T lo, hi;
  template <class V>
  V operator()(V x) const {
    return clip_keep_nan<Arch>(x, V(lo), V(hi));
  }
  T scalar(T x) const { return x < lo ? lo : (x > hi ? hi : x); }
};

// y[0, n) = op(x[0, n)). Four independent vectors per iteration (enough loads in flight to cover L1
// latency at two loads per cycle). The tail reuses one full vector ending at n, overlapping elements
// already written: correct because op is idempotent (op(op(v)) == op(v)), even in place. Only n < lanes
// runs scalar code.
template <class Arch, class T, class Op>
inline void map_span(const T* x, T* y, std::size_t n, const Op& op) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  std::size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const V a = V::load_unaligned(x + i), b = V::load_unaligned(x + i + L);
    const V c = V::load_unaligned(x + i + 2 * L), d = V::load_unaligned(x + i + 3 * L);
    op(a).store_unaligned(y + i);
    op(b).store_unaligned(y + i + L);
    op(c).store_unaligned(y + i + 2 * L);
    op(d).store_unaligned(y + i + 3 * L);
  }
  for (; i + L <= n; i += L) op(V::load_unaligned(x + i)).store_unaligned(y + i);
  if (i == n) return;
  if (n >= L) {
    op(V::load_unaligned(x + n - L)).store_unaligned(y + n - L);
  } else {
    for (; i < n; ++i) y[i] = op.scalar(x[i]);
  }
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
    detail::parallel_rows<Arch>(blocks, kBlock * 85 * (sizeof(T) / 4), 1, [&](std::size_t b0, std::size_t b1) {
      const std::size_t i0 = b0 * kBlock, i1 = b1 * kBlock < n ? b1 * kBlock : n;
      map_span<Arch>(x + i0, y + i0, i1 - i0, op);
    });
    return;
  }
  // Work in ps: strided relu measured 2.2 ns a row at 3 columns, 2.4 at 10, 20.4 at 256.
  detail::parallel_rows<Arch>(rows, (80 * cols + 1800) * (sizeof(T) / 4), 1, [&](std::size_t r0, std::size_t r1) {
    for (std::size_t r = r0; r < r1; ++r) map_span<Arch>(x + r * ldx, y + r * ldy, cols, op);
  });
}

template <class Arch, class T>
void relu(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t cols) {
  map_rows<Arch>(x, ldx, y, ldy, rows, cols, relu_op<Arch>{});
}

template <class Arch, class T>
void clip(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t cols, T lo, T hi) {
  map_rows<Arch>(x, ldx, y, ldy, rows, cols, clip_op<Arch, T>{lo, hi});
}

}  // namespace nnsimd::kernels
