// argmax per row (numpy.argmax) and accuracy, the number of rows whose argmax is the label.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/arch.hpp"
#include "kernels/loss_common.hpp"
#include "kernels/parallel.hpp"

namespace nnsimd::kernels {

// ---- argmax ----------------------------------------------------------------------------------------
// numpy.argmax per row: the first index of the maximum, and the first NaN if the row holds one.
//
// Long rows, one pass over the row in chunks of kChunk elements. Per vector: a max (NaN ignored) and an
// add into a check sum, which is NaN iff a NaN was added or inf - inf happened. At the end of a chunk:
//   * if the check sum holds a NaN, look for the first NaN of the chunk (a vector scan); found = answer;
//   * if any lane of the chunk's max exceeds the best so far, this chunk is the first to hold the new
//     best value (later chunks only replace it when strictly greater, which keeps ties on the first).
// The index pass then rescans one chunk only (kChunk elements, still in L1/L2) for the first x == best.
// So the row is read about once, at 1 load + 2 vector ops per L elements, and no per-element index
// bookkeeping is done.
template <class Arch, class T>
struct argmax_cfg {
  static constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  // Below this many columns, across rows (lane = row); see the header comment. The across-rows path costs
  // about one element's load and insert per column and row; the along-row path a fixed 10-20 ns a row
  // (the NaN check, the horizontal max, the index search and its mispredicted exit). Timed on the Zen 3
  // (both paths over L2-resident rows of 3-128 columns, best of 15): across rows is faster up to 5-6 L
  // columns on SSE2 and AVX2 in both dtypes (AVX2 at 10 doubles: 5.6 against 13.9 ns a row; at 20 doubles
  // 11.5 against 11.7; at 40 floats 12.6 against 13.3; at 96 floats the along-row path wins, 19 to 33;
  // SSE2 at 10 doubles 8.9 against 11.9). AVX-512's along-row path has the branchless index pass (below)
  // and keeps 2 L; NEON has SSE2's widths and takes the same 6 L, not timed. AVX2's along-row path got
  // the branchless pass later, which moved its crossover to about 5 L, not lower (against 6 L, timed as
  // above over 256 and 4096 rows: 3 L made rows of 24-32 floats 1.7-2.5x slower, 16 doubles 2.2x; at 5 L
  // it is 0.80-1.09x, at 47 floats 0.73-0.81x): 6 L kept.
  static constexpr std::size_t short_cols = (simd::is_avx512<Arch> ? 2 : 6) * L;
  // 64 vectors: the per-chunk bookkeeping (a few compares and two `any`) is amortized over 64 loads.
  static constexpr std::size_t chunk = 64 * L;
};

namespace loss_detail {

// First index j in [j0, j1) (j1 - j0 >= L) where pred(x[j]) holds for a vector predicate; j1 if none.
// The last vector overlaps the previous one (ends at j1): harmless for a "first" search.
template <class Arch, class T, class Pred>
inline std::size_t find_first(const T* x, std::size_t j0, std::size_t j1, const Pred& pred) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  for (std::size_t j = j0;; j += L) {
    if (j + L > j1) j = j1 - L;
    const auto m = pred(V::load_unaligned(x + j));
    if (xsimd::any(m)) {
      alignas(64) T b[L];
      xsimd::select(m, V(T(1)), V(T(0))).store_aligned(b);
      for (std::size_t k = 0; k < L; ++k)
        if (b[k] != T(0)) return j + k;
    }
    if (j + L >= j1) return j1;
  }
}

// argmax of one row of cols >= L elements (the long path).
template <class Arch, class T>
std::int32_t argmax_long(const T* x, std::size_t cols) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size, C = argmax_cfg<Arch, T>::chunk;
  const V ninf(-std::numeric_limits<T>::infinity());
  T best = -std::numeric_limits<T>::infinity();
  std::size_t best_chunk = 0;
  for (std::size_t c0 = 0; c0 < cols; c0 += C) {
    const std::size_t c1 = cols - c0 < C ? cols : c0 + C;
    V m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf;
    V s0(T(0)), s1(T(0));
    std::size_t j = c0;
    for (; j + 4 * L <= c1; j += 4 * L) {
      const V a = V::load_unaligned(x + j), b = V::load_unaligned(x + j + L);
      const V c = V::load_unaligned(x + j + 2 * L), d = V::load_unaligned(x + j + 3 * L);
      // max(a, m): x86 returns the second operand when one is NaN, so a NaN never enters m; the check
      // sums catch it instead (on ARM max propagates NaN: the check sums still decide).
      m0 = xsimd::max(a, m0);
      m1 = xsimd::max(b, m1);
      m2 = xsimd::max(c, m2);
      m3 = xsimd::max(d, m3);
      s0 = s0 + (a + b);
      s1 = s1 + (c + d);
    }
    for (; j < c1; j += L) {
      // The chunk's last vector ends at c1 (overlap is harmless for max and for the NaN check); it
      // cannot start before 0 since cols >= L.
      const std::size_t jj = j + L <= c1 ? j : c1 - L;
      const V a = V::load_unaligned(x + jj);
      m0 = xsimd::max(a, m0);
      s0 = s0 + a;
    }
    const V s = s0 + s1;
    if (xsimd::any(xsimd::isnan(s))) {
      const std::size_t k = find_first<Arch>(x, c1 - c0 >= L ? c0 : c1 - L, c1, [](const V& v) { return xsimd::isnan(v); });
      if (k < c1) return static_cast<std::int32_t>(k);
    }
    const V m = xsimd::max(xsimd::max(m0, m1), xsimd::max(m2, m3));
    if (xsimd::any(m > V(best))) {
      best = hmax<Arch>(m);
      best_chunk = c0;
    }
  }
  const std::size_t c1 = cols - best_chunk < C ? cols : best_chunk + C;
  const std::size_t c0 = c1 - best_chunk >= L ? best_chunk : c1 - L;
  const V bv(best);
  return static_cast<std::int32_t>(find_first<Arch>(x, c0, c1, [&](const V& v) { return v == bv; }));
}

// ---- x86 long rows (AVX2, AVX-512) ----------------------------------------------------------------
// The same chunked scheme as argmax_long, with an index pass that needs no branch per vector. The
// vector operations are arch::x86_avx512<Arch, T> or arch::x86_avx2<Arch, T> (x86_ops).
//   * NaN flags (O::NanFlags): one unordered compare per pair of vectors (a UNORD b: a or b is NaN)
//     OR-ed into a mask register (AVX-512) or a vector (AVX2), instead of argmax_long's check sums: exact
//     (+inf with -inf raises no false alarm). (AVX-512's VRANGEPS max, documented to keep NaN, returns
//     the non-NaN operand for a quiet NaN on the Zen 4 guest: not usable.) O::max(x, m) returns m when x
//     is NaN (MAXPS), so a NaN never enters the running max; the max of a chunk is a NaN only if the
//     chunk's first vector held one, which sets the flags.
//   * The chunk's max goes to every lane (O::broadcast_max), and the index pass finds the first lane
//     equal to it with compare-to-mask (movemask on AVX2) and tzcnt. In a row of at most kBranchless
//     elements it runs over every vector from the last to the first with conditional moves, since the
//     exit branch of an early-out loop mispredicts about once per row (about 4 ns, as long as reading a
//     128-float row with AVX-512); AVX2 takes four vectors per mask (O::eq_mask4: 8 instructions instead
//     of 4 compares and 4 movemasks), which pays for twice the length: 32 vectors, 16 on AVX-512.
// AVX-512 (Zen 4): 1.3-1.8x faster than argmax_long at every benchmark shape (f32). AVX2 (Zen 3, 256 rows
// (L2) and 4096 rows (L3) of 48-1000 floats and 24-128 doubles, paired rounds): 0.45-0.94x argmax_long's
// time; 0.96-1.10x just past kBranchless with the rows in L2 (257 floats, 129 doubles), where both
// search with a branch.
template <class Arch, class T>
using x86_ops = std::conditional_t<simd::is_avx512<Arch>, arch::x86_avx512<Arch, T>, arch::x86_avx2<Arch, T>>;

// First j in [j0, j1) (j1 - j0 >= L) with mask_of(x[j..]) bit set, j1 if none; the last vector overlaps.
template <class Arch, class T, class M>
inline std::size_t find_first_x86(const T* x, std::size_t j0, std::size_t j1, const M& mask_of) {
  using O = x86_ops<Arch, T>;
  constexpr std::size_t L = O::L;
  for (std::size_t j = j0;; j += L) {
    if (j + L > j1) j = j1 - L;
    const unsigned m = mask_of(O::load(x + j));
    if (m != 0) return j + static_cast<std::size_t>(__builtin_ctz(m));
    if (j + L >= j1) return j1;
  }
}

template <class Arch, class T>
std::int32_t argmax_long_x86(const T* x, std::size_t cols) {
  using O = x86_ops<Arch, T>;
  using V = typename O::V;
  constexpr bool by4 = requires { O::eq_mask4(x, O::set1(T(0))); };  // AVX2: a mask per 4 vectors
  constexpr std::size_t L = O::L, C = argmax_cfg<Arch, T>::chunk, kBranchless = (by4 ? 32 : 16) * L;
  T best = -std::numeric_limits<T>::infinity();
  V bestv = O::set1(best);
  std::size_t best_chunk = 0;
  for (std::size_t c0 = 0; c0 < cols; c0 += C) {
    const std::size_t c1 = cols - c0 < C ? cols : c0 + C;
    // A chunk shorter than L (the last one) starts L before its end, overlapping the previous chunk.
    const std::size_t s0 = c1 - c0 >= L ? c0 : c1 - L;
    V m0 = O::load(x + s0), m1 = m0, m2 = m0, m3 = m0;
    typename O::NanFlags nan = O::nan_flags(m0);
    std::size_t j = s0 + L;
    for (; j + 4 * L <= c1; j += 4 * L) {
      const V a = O::load(x + j), b = O::load(x + j + L), c = O::load(x + j + 2 * L), d = O::load(x + j + 3 * L);
      m0 = O::max(a, m0);
      m1 = O::max(b, m1);
      m2 = O::max(c, m2);
      m3 = O::max(d, m3);
      nan = O::nan_flags(O::nan_flags(nan, a, b), c, d);
    }
    for (; j < c1; j += L) {
      const V a = O::load(x + (j + L <= c1 ? j : c1 - L));
      m1 = O::max(a, m1);
      nan = O::nan_flags(nan, a, a);
    }
    const V m = O::max(O::max(m0, m1), O::max(m2, m3));
    if (O::any_nan(nan))
      return static_cast<std::int32_t>(find_first_x86<Arch>(x, s0, c1, [](V v) { return O::nan_mask(v); }));
    const V h = O::broadcast_max(m);
    if (O::first(h) > best) {
      best = O::first(h);
      bestv = h;
      best_chunk = c0;
    }
  }
  if (cols <= kBranchless) {
    // One chunk; the max is present, so some vector matches. Last vector (ends at cols) first.
    const std::size_t last = cols - L;
    std::size_t pos = last + static_cast<std::size_t>(__builtin_ctz(O::eq_mask(O::load(x + last), bestv) | (1u << (L - 1))));
    // Then the vectors at multiples of L below `last`, from the last to 0, an earlier match replacing;
    // where the ISA has eq_mask4 (AVX2), four vectors at a time below the last multiple of 4.
    std::size_t k = (cols - 1) / L;
    const auto one = [&](std::size_t v) {
      const unsigned mk = O::eq_mask(O::load(x + v * L), bestv);
      pos = mk != 0 ? v * L + static_cast<std::size_t>(__builtin_ctz(mk)) : pos;
    };
    if constexpr (by4) {
      while (k % 4 != 0) one(--k);
      for (; k > 0; k -= 4) {
        const unsigned mk = O::eq_mask4(x + (k - 4) * L, bestv);
        pos = mk != 0 ? (k - 4) * L + (static_cast<std::size_t>(__builtin_ctz(mk)) >> O::mask4_shift) : pos;
      }
    } else {
      while (k > 0) one(--k);
    }
    return static_cast<std::int32_t>(pos);
  }
  const std::size_t c1 = cols - best_chunk < C ? cols : best_chunk + C;
  const std::size_t c0 = c1 - best_chunk >= L ? best_chunk : c1 - L;
  return static_cast<std::int32_t>(find_first_x86<Arch>(x, c0, c1, [&](V v) { return O::eq_mask(v, bestv); }));
}

// argmax of rows [r, r + n), n <= L, cols < short_cols: lane k is row r + k. Column 0 starts as the
// best; a later column replaces it if strictly greater, or if it is NaN while the best is not (after
// which nothing replaces the NaN: x > NaN is false and NaN == NaN is false).
// NaN tests use xsimd::isnan: in xsimd 8.1, `a != b` is the ORDERED compare on AVX and AVX-512
// (_CMP_NEQ_OQ: NaN != NaN is false) but unordered on SSE2, so `v != v` finds no NaN on AVX.
template <class Arch, class T>
inline void argmax_short_block(const T* x, std::size_t ld, std::size_t n, std::size_t cols, std::int32_t* out) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size;
  V best = column<Arch>(x, ld, n, T(0));
  V idx(T(0));
  for (std::size_t j = 1; j < cols; ++j) {
    const V v = column<Arch>(x + j, ld, n, T(0));
    const auto take = (v > best) | (xsimd::isnan(v) & (best == best));
    best = xsimd::select(take, v, best);
    idx = xsimd::select(take, V(static_cast<T>(j)), idx);
  }
  alignas(64) T b[L];
  idx.store_aligned(b);
  for (std::size_t k = 0; k < n; ++k) out[k] = static_cast<std::int32_t>(b[k]);
}

// argmax of rows [r0, r1) into out[0, r1 - r0). r0 is a multiple of L.
template <class Arch, class T>
inline void argmax_rows(const T* x, std::size_t ld, std::size_t r0, std::size_t r1, std::size_t cols, std::int32_t* out) {
  constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  if (cols < argmax_cfg<Arch, T>::short_cols) {
    for (std::size_t r = r0; r < r1; r += L)
      argmax_short_block<Arch>(x + r * ld, ld, r1 - r < L ? r1 - r : L, cols, out + (r - r0));
  } else {
    if constexpr (simd::is_avx512<Arch> || simd::is_avx2<Arch>) {
      for (std::size_t r = r0; r < r1; ++r) out[r - r0] = argmax_long_x86<Arch>(x + r * ld, cols);
      return;
    }
    for (std::size_t r = r0; r < r1; ++r) out[r - r0] = argmax_long<Arch>(x + r * ld, cols);
  }
}

}  // namespace loss_detail

template <class Arch, class T>
void argmax(const T* x, std::size_t ldx, std::int32_t* idx, std::size_t rows, std::size_t cols) {
  constexpr std::size_t L = xsimd::batch<T, Arch>::size;
  // Work in ps: 0.65 ns a row at 3 columns, 2.0 at 10, 16.7 at 128, 91 at 1000, 493 at 8000.
  detail::parallel_rows<Arch>(rows, (cols < 32 ? 200 * cols : 60 * cols + 9000) * (sizeof(T) / 4), L, [&](std::size_t r0, std::size_t r1) {
    loss_detail::argmax_rows<Arch>(x, ldx, r0, r1, cols, idx + r0);
  });
}

}  // namespace nnsimd::kernels
