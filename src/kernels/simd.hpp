// Vector helpers shared by the kernels: ISA traits, the first n < L lanes of a vector (tails without a
// scalar loop over the row), the horizontal max and the in-register transposition. Templates on Arch
// like every kernel function; the ISA-specific code they select is in arch/ (arch/arch.hpp).
#pragma once

#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/arch.hpp"

namespace nnsimd::kernels::simd {

template <class Arch>
inline constexpr bool is_avx512 = std::is_base_of_v<xsimd::avx512f, Arch>;
template <class Arch>
inline constexpr bool is_avx2 = std::is_base_of_v<xsimd::avx2, Arch>;
// Whether xsimd::fma is one fused instruction (one rounding) on Arch: AVX2+FMA, AVX-512 and every
// non-x86 target nnsimd builds (NEON64); on SSE2 it is a multiply and an add.
template <class Arch>
inline constexpr bool has_fma = !std::is_base_of_v<xsimd::sse2, Arch> || is_avx512<Arch> ||
                                std::is_base_of_v<xsimd::fma3<xsimd::avx2>, Arch>;
// The x86 vector ISAs, whose MAXPS/MINPS (and PD) return their second operand when either is NaN and
// when both are equal (signed zeros): xsimd's max/min map to them directly on sse2, avx and avx512f.
template <class Arch>
inline constexpr bool x86_minmax = std::is_base_of_v<xsimd::sse2, Arch> || std::is_base_of_v<xsimd::avx, Arch> ||
                                   std::is_base_of_v<xsimd::avx512f, Arch>;

// The first n < L elements of p into a vector whose other lanes hold `fill`. AVX-512 and AVX2 load with
// a mask (xsimd 8.1 exposes neither; masked-off lanes never fault); elsewhere a small aligned buffer.
template <class Arch, class T>
inline xsimd::batch<T, Arch> load_first(const T* p, std::size_t n, T fill = T(0)) {
  using V = xsimd::batch<T, Arch>;
  if constexpr (is_avx512<Arch>) return arch::x86_avx512<Arch, T>::load_first(p, n, fill);
  if constexpr (is_avx2<Arch>) return arch::x86_avx2<Arch, T>::load_first(p, n, fill);
  alignas(64) T buf[V::size];
  for (std::size_t i = 0; i < V::size; ++i) buf[i] = i < n ? p[i] : fill;
  return V::load_aligned(buf);
}

// Writes the first n <= L lanes of v to p. AVX-512 stores with a mask; AVX2's masked store (vmaskmovps)
// is microcoded and slow on AMD (per-row softmax of 1024 x 10 took 3x longer with it on Zen 4), so AVX2
// and the rest go through a buffer.
template <class Arch, class T>
inline void store_first(T* p, std::size_t n, const xsimd::batch<T, Arch>& v) {
  using V = xsimd::batch<T, Arch>;
  if (n == V::size) {
    v.store_unaligned(p);
    return;
  }
  if constexpr (is_avx512<Arch>) {
    arch::x86_avx512<Arch, T>::store_first(p, n, v);
    return;
  }
  alignas(64) T buf[V::size];
  v.store_aligned(buf);
  for (std::size_t i = 0; i < n; ++i) p[i] = buf[i];
}

// The largest lane of v, which must hold no NaN (callers detect NaN separately or let it propagate
// through a sum). AVX-512: log2(L) shuffle + max steps instead of L scalar compares.
template <class Arch, class T>
inline T hmax(const xsimd::batch<T, Arch>& v) {
  using V = xsimd::batch<T, Arch>;
  if constexpr (is_avx512<Arch>) return arch::x86_avx512<Arch, T>::reduce_max(v);
  alignas(64) T buf[V::size];
  v.store_aligned(buf);
  T m = buf[0];
  for (std::size_t i = 1; i < V::size; ++i) m = buf[i] > m ? buf[i] : m;
  return m;
}

// ---- in-register transpose -------------------------------------------------------------------------------
// transpose_blocks<W>(v), W a power of two dividing L (the lanes of batch<T, Arch>): every vector is seen
// as L / W blocks of W lanes, and in each block position q the W x W matrix whose row i is block q of v[i]
// (i < W) is transposed: on return lane W q + j of v[i] holds what lane W q + i of v[j] held. It is its
// own inverse; W = L is the whole L x L transposition.
// For kernels that vectorize short rows across rows: with row k + W q of an L-row block loaded into block
// q of v[k] (a masked load at the row's address minus W q), one transposition turns v[j] into column j
// of all L rows, for rows of up to W elements; the smaller W, the fewer shuffles.
// In registers on AVX-512 and AVX2 (has_register_transpose), shuffles per call:
//   AVX-512 float W = 4, 8, 16: 8, 24, 64 (unpack ps, unpack pd, 128-bit lane shuffles)
//   AVX-512 double W = 2, 4, 8: 2, 8, 24;  AVX2 float W = 4, 8: 8, 24;  AVX2 double W = 2, 4: 2, 8.
// Smaller W for float (2, 1) and elsewhere: through a buffer. Pure data movement: the bits are unchanged.
template <class Arch, class T>
inline constexpr bool has_register_transpose = is_avx512<Arch> || is_avx2<Arch>;

template <std::size_t W, class Arch, class T>
inline void transpose_blocks(xsimd::batch<T, Arch>* v) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  static_assert(W >= 1 && W <= L && L % W == 0 && (W & (W - 1)) == 0, "W: a power of two dividing L");
  // In registers for blocks of at least 128 bits (W >= 4 float, W >= 2 double): arch/x86_avx512.hpp,
  // arch/x86_avx2.hpp.
  if constexpr (is_avx512<Arch> && (sizeof(T) == 4 ? W >= 4 : W >= 2)) {
    arch::x86_avx512<Arch, T>::template transpose_blocks<W>(v);
    return;
  }
  if constexpr (is_avx2<Arch> && (sizeof(T) == 4 ? W >= 4 : W >= 2)) {
    arch::x86_avx2<Arch, T>::template transpose_blocks<W>(v);
    return;
  }
  alignas(64) T buf[W * L];
  for (std::size_t i = 0; i < W; ++i) v[i].store_aligned(buf + i * L);
  for (std::size_t i = 0; i < W; ++i) {
    alignas(64) T out[L];
    for (std::size_t q = 0; q < L; q += W)
      for (std::size_t j = 0; j < W; ++j) out[q + j] = buf[j * L + q + i];
    v[i] = V::load_aligned(out);
  }
}

}  // namespace nnsimd::kernels::simd
