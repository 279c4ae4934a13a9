// dense_forward / dense_relu: y[r, :] = x[r, :] . w + b (then max(0, .) for dense_relu), w in the book's
// n_in x n_out layout, so the output columns are contiguous in w and a vector of outputs is a vector of
// one w row times a broadcast x element.
//
// Two paths, chosen from the shape alone (never from the rows a thread gets):
//   * general (dense_general): a register-blocked micro-tile of MR rows x NV vectors of outputs, xsimd::fma
//     along k, cache blocking over k (KC) and n (NC), W copied into zero-padded panels when rows amortize it;
//   * skinny (dense_skinny): n_out below one vector and a tiny n_in (the book's 300x2->3, 300x3->3). The
//     contiguous output y[r * n_out + j] is computed flat, each vector spanning several rows: lane f needs
//     x[r0 + f / n_out, k] (a permute of one or two vectors loaded from x) times w[k, f % n_out] (a vector
//     that repeats every group of rows, built once per call).
//
// For a given shape, every output element is computed by the same operations whatever rows a call or a
// thread gets: within each k block (at most KC = 1024 k, blocks fixed by n_in alone), acc = 0 then
// acc = fma(x[k], w[k], acc) in k order; block sums are added in block order; then + b; then relu. So
// results are bit-identical for every thread count and row partition on a given ISA (packing or not
// changes no arithmetic), and the sum is formed before the bias, as np.dot(x, w) + b.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "kernels/elementwise.hpp"
#include "kernels/parallel.hpp"
#include "kernels/simd.hpp"

namespace nnsimd::kernels {
namespace dense_detail {

using simd::hmax;
using simd::is_avx2;
using simd::is_avx512;
using simd::load_first;
using simd::store_first;

// Calls f(integral_constant<0>), ..., f(integral_constant<N-1>): a loop the compiler must unroll, so
// arrays of batches indexed by it stay in registers.
template <class Arch, std::size_t N, class F>
inline void unroll(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) { (f(std::integral_constant<std::size_t, I>{}), ...); }
  (std::make_index_sequence<N>{});
}

template <class Arch>
constexpr std::size_t min_of(std::size_t a, std::size_t b) {
  return a < b ? a : b;
}
template <class Arch>
constexpr std::size_t ceil_div(std::size_t a, std::size_t b) {
  return (a + b - 1) / b;
}
// Not std::gcd: a library template not inlined (-Og) would be one weak symbol shared by every ISA's
// object, compiled with one of their flags (tests/check_isa_symbols.cmake).
template <class Arch>
constexpr std::size_t gcd_of(std::size_t a, std::size_t b) {
  while (b) {
    const std::size_t t = a % b;
    a = b, b = t;
  }
  return a;
}

// ---- per-thread scratch -------------------------------------------------------------------------------
// One 64-byte-aligned buffer per thread, ISA and type, grown on demand and kept across calls: a fresh
// allocation of the 512 KiB W block per call would cost an mmap and ~128 page faults (tens of us).
template <class Arch, class T>
T* scratch(std::size_t n) {
  struct aligned_delete {
    void operator()(T* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  thread_local std::unique_ptr<T[], aligned_delete> buf;
  thread_local std::size_t cap = 0;
  if (n > cap) {
    buf.reset(static_cast<T*>(::operator new[](n * sizeof(T), std::align_val_t{64})));
    cap = n;
  }
  return buf.get();
}

// ---- general path -------------------------------------------------------------------------------------
template <class Arch, class T>
struct tiling {
  using V = xsimd::batch<T, Arch>;
  static constexpr std::size_t L = V::size;
  // Registers: MR*NV accumulators + NV w vectors (+ 1 broadcast) within the register file. AVX-512 has 32
  // zmm: 6 x 4 = 24 accumulators, 4 loads of w and 6 broadcasts per 24 FMAs. Zen 4 retires one zmm FMA
  // (two ymm) per cycle with 4 cycles latency, so 24 independent chains hide the latency with room to
  // spare. Ceiling on this machine (2-core KVM guest, the other core busy): a register-only loop of 24
  // independent zmm FMAs runs at 115-117 GFLOP/s = 90.6-92% of the nominal 127.5 (lower clock under load);
  // the 6 x 4 tile with x and W both in L1 (1200 x 96 -> 64, all rows reading one x row) runs at 89%, so
  // the tile itself is at that ceiling. 8 x 3 measured no better; 12 x 2 lost 8-10% on 256 x 2048 -> 1000
  // and 2048^3 (a 12 x 1024 x micro-panel is 48 KiB, past L1) and 14 x 2 lost 30%.
  // 16-register ISAs: 4 x 3 = 12 accumulators + 3 w + 1 broadcast.
  static constexpr bool wide_file = is_avx512<Arch> || std::is_base_of_v<xsimd::neon64, Arch>;
  static constexpr std::size_t MR = wide_file ? 6 : 4;
  static constexpr std::size_t NV = wide_file ? 4 : 3;
  static constexpr std::size_t NL = NV * L;  // outputs per tile row (64 floats on AVX-512)
  // k block: every k block after the first reloads and rewrites the y tile, and a smaller block means more
  // W blocks to pack. Measured f32 AVX-512, one thread, two variants interleaved in one process (min of
  // 15-40 calls): KC = 1024 against 256 is 1.5-2% faster at 1024 x 784 -> 128 (one k block instead of 4)
  // and 1-1.7% at 2048^3, equal at 256 x 2048 -> 1000; 2048 was no better than 1024, nor 512 / 768 (within
  // 1%). The x micro-panel (6 x 1024 floats, 24 KiB) no longer fits L1 beside the W stream, yet x read
  // from one row only (all in L1) gains 0% at 256 x 2048 -> 1000 and 3% at 2048^3. f32 AVX2: 1-3% faster;
  // f64 AVX-512: equal.
  static constexpr std::size_t KC = 1024;
  // n block for a k block of kc: the W block (kc x nc) fits half of Zen 4's 1 MiB L2 (512 KiB), from which
  // the tiles stream 64/MR bytes per cycle at most (L2 delivers ~31 B/cycle). 256 KiB and 768 KiB measured
  // the same within 1%.
  static constexpr std::size_t nc_block(std::size_t kc) {
    const std::size_t nc = kc == 0 ? NL : (512 * 1024 / (kc * sizeof(T))) / NL * NL;
    return nc < NL ? NL : nc;
  }
  // Copying W into panels costs ~7 us for 784 x 128 floats, paid once per call (and per thread). Measured
  // on AVX-512 f32, rows x 784 -> 128: in place is faster at 1..64 rows (5 vs 12 us at 1 row, 114 vs 121
  // at 64) and equal from 128 on; rows x 2048 -> 1000 (ldw = 1000, 16 panels): in place is faster at 8
  // rows (451 vs 540 us), packed from 64 on (3045 vs 3175 us; 256 rows: 10.1 vs 10.7 ms). (Measured with
  // KC = 256; not re-measured at 1024.) Packing is what keeps 256 x 2048 -> 1000 below the other shapes:
  // packing every block a second time costs 2.4% there (W already in cache), and a variant that reuses W
  // packed by an earlier call (as XNNPACK's prepacked weights do) took 9.28 instead of 9.81 ms (KC = 256).
  // Overlapping the copy did not help: prefetching the next W block into L2 during the current one, or
  // having the first row tile store its in-place W loads into the panel as it computes, measured equal or
  // up to 2% slower.
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

// ---- skinny path --------------------------------------------------------------------------------------
// Permutes of one or two vectors by a per-lane index table. Index slots are sizeof(V) bytes: int32 lanes
// for float, int64 lanes for double on AVX-512; on AVX2 both types use int32 float-lane indices (a double
// lane s is float lanes 2s, 2s+1) so one vpermps serves both; elsewhere int32 element indices and a
// scalar gather from the source pointer (ISAs without a variable cross-lane permute: SSE2, NEON).
template <class Arch, class T>
struct perm {
  using V = xsimd::batch<T, Arch>;
  static constexpr std::size_t L = V::size;
  static constexpr bool wide_idx = is_avx512<Arch> && sizeof(T) == 8;
  using index_t = std::conditional_t<wide_idx, std::int64_t, std::int32_t>;
  static constexpr std::size_t slot = sizeof(V) / sizeof(index_t) > L ? sizeof(V) / sizeof(index_t) : L;

  // Lane `lane` of the result takes element `src` (0..2L-1) of the concatenation lo:hi.
  static void set(index_t* s, std::size_t lane, std::size_t src) {
    if constexpr (is_avx2<Arch> && !is_avx512<Arch> && sizeof(T) == 8) {
      s[2 * lane] = static_cast<index_t>(2 * src);
      s[2 * lane + 1] = static_cast<index_t>(2 * src + 1);
    } else {
      s[lane] = static_cast<index_t>(src);
    }
  }

  // An index slot as a register (AVX-512, AVX2) or as its address (scalar gather).
  static auto load(const index_t* s) {
    if constexpr (is_avx512<Arch>) {
#if defined(__AVX512F__)
      return _mm512_load_si512(s);
#endif
    } else if constexpr (is_avx2<Arch>) {
#if defined(__AVX2__)
      return _mm256_load_si256(reinterpret_cast<const __m256i*>(s));
#endif
    } else {
      return s;
    }
  }
  using reg = decltype(load(nullptr));

  template <bool Two>
  static V apply(const V& lo, const V& hi, reg i, const T* src) {
    if constexpr (is_avx512<Arch>) {
#if defined(__AVX512F__)
      (void)src;
      if constexpr (sizeof(T) == 4)
        return Two ? _mm512_permutex2var_ps(lo, i, hi) : _mm512_permutexvar_ps(i, lo);
      else
        return Two ? _mm512_permutex2var_pd(lo, i, hi) : _mm512_permutexvar_pd(i, lo);
#endif
    } else if constexpr (is_avx2<Arch>) {
#if defined(__AVX2__)
      (void)src;
      __m256 a, c;
      if constexpr (sizeof(T) == 4)
        a = lo, c = hi;
      else
        a = _mm256_castpd_ps(lo), c = _mm256_castpd_ps(hi);
      __m256 r = _mm256_permutevar8x32_ps(a, i);
      if constexpr (Two) {
        // vpermps uses the low 3 index bits; lanes whose index is >= 8 take the permute of hi.
        const __m256 from_hi = _mm256_castsi256_ps(_mm256_cmpgt_epi32(i, _mm256_set1_epi32(7)));
        r = _mm256_blendv_ps(r, _mm256_permutevar8x32_ps(c, i), from_hi);
      }
      if constexpr (sizeof(T) == 4)
        return r;
      else
        return _mm256_castps_pd(r);
#endif
    } else {
      (void)lo, (void)hi;
      alignas(64) T tmp[L];
      for (std::size_t l = 0; l < L; ++l) tmp[l] = src[i[l]];
      return V::load_aligned(tmp);
    }
  }
};

// The flat output of a group of P rows is nv vectors (P * n_out = nv * L, P = L / gcd(n_out, L)). Vector
// v, lane l is output f = v L + l: row f / n_out of the group, column f % n_out. Its x elements lie in
// rows ro_min[v] .. ro_max[v], contiguous when ldx = n_in, loaded as one or two vectors from row
// ro_min[v] and permuted, once per k, into the x element of each lane.
template <class Arch, class T>
struct skinny_plan {
  using V = xsimd::batch<T, Arch>;
  using pm = perm<Arch, T>;
  static constexpr std::size_t L = V::size;
  static constexpr std::size_t kMaxTab = 48;  // nv * n_in index/weight vectors (n_out=15, n_in=3 at most)
  // Staging buffers for one group: a vector spans >= 2 rows (n_out < L), so span <= 2L means n_in <= L;
  // P <= L rows of n_in <= L elements, plus the 2L a load may run past the group's last row.
  static constexpr std::size_t kStageX = L * L + 2 * L;
  static constexpr std::size_t kStageY = L * L;  // P * n_out = nv * L <= (L - 1) L
  std::size_t n_in = 0, n_out = 0, P = 0, nv = 0;
  bool two = false;
  std::size_t ro_min[L] = {};
  alignas(64) T wt[kMaxTab * L];
  alignas(64) T bt[L * L];
  alignas(64) typename pm::index_t idx[kMaxTab * pm::slot];

  // The x elements vector v needs: rows v L / n_out .. (v L + L - 1) / n_out of the group.
  static std::size_t span(std::size_t v, std::size_t nin, std::size_t nout) {
    return ((v * L + L - 1) / nout - v * L / nout + 1) * nin;
  }

  // False when the shape does not fit: n_out >= L, n_in = 0, a vector's x elements span more than two
  // vectors, or the tables would not fit. A function of the shape alone.
  static bool fits(std::size_t nin, std::size_t nout) {
    if (nout >= L || nin == 0) return false;
    const std::size_t nvec = nout / gcd_of<Arch>(L, nout);
    if (nvec * nin > kMaxTab) return false;
    for (std::size_t v = 0; v < nvec; ++v)
      if (span(v, nin, nout) > 2 * L) return false;
    return true;
  }

  // Requires fits(nin, nout): every caller has checked it to choose this path.
  void init(const T* w, std::size_t ldw, const T* b, std::size_t nin, std::size_t nout) {
    const std::size_t g = gcd_of<Arch>(L, nout);
    n_in = nin, n_out = nout, P = L / g, nv = nout / g;
    two = false;
    for (std::size_t v = 0; v < nv; ++v) {
      ro_min[v] = v * L / n_out;
      two = two || span(v, n_in, n_out) > L;
    }
    if constexpr (is_avx512<Arch>) {
#if defined(__AVX512F__)
      // A vector at a time (AVX-512 has the permutes): column j and row ro of each lane of f = v L + l
      // from f computed in T, q = floor((f + 1/2) / n_out) (exact: f < 256, and the fraction stays at
      // least 1/(2 n_out) from an integer), then the weights and bias are permutes of one w row / b.
      alignas(64) T iota[L];
      for (std::size_t l = 0; l < L; ++l) iota[l] = T(l);
      const V inv = V(T(1) / T(n_out)), nf = V(T(n_out)), half = V(T(0.5));
      const V bvec = load_first<Arch>(b, n_out);
      for (std::size_t v = 0; v < nv; ++v) {
        const V f = V::load_aligned(iota) + V(T(v * L));
        const V q = xsimd::floor((f + half) * inv);
        const V j = f - q * nf;
        const V base = (q - V(T(ro_min[v]))) * V(T(n_in));
        if constexpr (sizeof(T) == 4) {
          const __m512i ji = _mm512_cvttps_epi32(j);
          _mm512_store_ps(bt + v * L, _mm512_permutexvar_ps(ji, bvec));
          for (std::size_t k = 0; k < n_in; ++k) {
            _mm512_store_ps(wt + (v * n_in + k) * L, _mm512_permutexvar_ps(ji, load_first<Arch>(w + k * ldw, n_out)));
            _mm512_store_si512(idx + (v * n_in + k) * pm::slot, _mm512_cvttps_epi32(base + V(T(k))));
          }
        } else {
          const __m512i ji = _mm512_cvttpd_epi64(j);
          _mm512_store_pd(bt + v * L, _mm512_permutexvar_pd(ji, bvec));
          for (std::size_t k = 0; k < n_in; ++k) {
            _mm512_store_pd(wt + (v * n_in + k) * L, _mm512_permutexvar_pd(ji, load_first<Arch>(w + k * ldw, n_out)));
            _mm512_store_si512(idx + (v * n_in + k) * pm::slot, _mm512_cvttpd_epi64(base + V(T(k))));
          }
        }
      }
      return;
#endif
    }
    // Lane by lane, with the row and column of output f = v L + l counted up rather than divided out
    // (a 64-bit division per lane was most of the call's fixed cost).
    std::size_t ro = 0, j = 0;
    for (std::size_t v = 0; v < nv; ++v)
      for (std::size_t l = 0; l < L; ++l) {
        bt[v * L + l] = b[j];
        const std::size_t base = (ro - ro_min[v]) * n_in;
        for (std::size_t k = 0; k < n_in; ++k) {
          wt[(v * n_in + k) * L + l] = w[k * ldw + j];
          pm::set(idx + (v * n_in + k) * pm::slot, l, base + k);
        }
        if (++j == n_out) j = 0, ++ro;
      }
  }

  // Vector v of `groups` consecutive groups: x holds their rows (n_in contiguous elements each, readable
  // up to 2L past each vector's first row), y receives their outputs (P * n_out contiguous per group).
  // Vector by vector, so that its weights, bias and permute indices stay in registers across groups
  // (NIN = n_in known at compile time; 0 = read at run time, tables from L1).
  template <bool Relu, bool Two, std::size_t NIN>
  void columns(std::size_t v, const T* x, T* y, std::size_t groups) const {
    constexpr std::size_t NK = NIN ? NIN : 1;
    const std::size_t n = NIN ? NIN : n_in;
    const T* wv = wt + v * n * L;
    const typename pm::index_t* iv = idx + v * n * pm::slot;
    typename pm::reg ir[NK];
    V wr[NK];
    if constexpr (NIN != 0)
      unroll<Arch, NK>([&](auto k) {
        ir[k] = pm::load(iv + k * pm::slot);
        wr[k] = V::load_aligned(wv + k * L);
      });
    const V bv = V::load_aligned(bt + v * L);
    const T* src = x + ro_min[v] * n;
    T* dst = y + v * L;
    const std::size_t xstep = P * n, ystep = nv * L;
    for (std::size_t g = 0; g < groups; ++g, src += xstep, dst += ystep) {
      const V lo = V::load_unaligned(src);
      const V hi = Two ? V::load_unaligned(src + L) : lo;
      V acc(T(0));
      if constexpr (NIN != 0) {
        unroll<Arch, NK>([&](auto k) { acc = xsimd::fma(pm::template apply<Two>(lo, hi, ir[k], src), wr[k], acc); });
      } else {
        for (std::size_t k = 0; k < n; ++k)
          acc = xsimd::fma(pm::template apply<Two>(lo, hi, pm::load(iv + k * pm::slot), src),
                           V::load_aligned(wv + k * L), acc);
      }
      acc = acc + bv;
      if constexpr (Relu) acc = relu_op<Arch>{}(acc);
      acc.store_unaligned(dst);
    }
  }

  // One group at the end of a contiguous x / y: only the first x_avail elements of x and y_avail of y
  // exist. Partial loads and stores (masked on AVX-512 / AVX2) rather than a staging copy, whose scalar
  // stores read back as vectors stall store forwarding (~60 ns for one group).
  template <bool Relu, bool Two>
  void tail(const T* x, std::size_t x_avail, T* y, std::size_t y_avail) const {
    for (std::size_t v = 0; v < nv && v * L < y_avail; ++v) {
      const std::size_t off = ro_min[v] * n_in, have = x_avail > off ? x_avail - off : 0;
      const T* src = x + off;
      const V lo = have >= L ? V::load_unaligned(src) : load_first<Arch>(src, have);
      V hi = lo;
      if constexpr (Two) hi = have >= 2 * L ? V::load_unaligned(src + L) : have > L ? load_first<Arch>(src + L, have - L) : V(T(0));
      V acc(T(0));
      for (std::size_t k = 0; k < n_in; ++k)
        acc = xsimd::fma(pm::template apply<Two>(lo, hi, pm::load(idx + (v * n_in + k) * pm::slot), src),
                         V::load_aligned(wt + (v * n_in + k) * L), acc);
      acc = acc + V::load_aligned(bt + v * L);
      if constexpr (Relu) acc = relu_op<Arch>{}(acc);
      const std::size_t out = y_avail - v * L;
      if (out >= L)
        acc.store_unaligned(y + v * L);
      else
        store_first<Arch>(y + v * L, out, acc);
    }
  }

  template <bool Relu, bool Two>
  void run(const T* x, T* y, std::size_t groups) const {
    for (std::size_t v = 0; v < nv; ++v) switch (n_in) {
        case 1: columns<Relu, Two, 1>(v, x, y, groups); break;
        case 2: columns<Relu, Two, 2>(v, x, y, groups); break;
        case 3: columns<Relu, Two, 3>(v, x, y, groups); break;
        case 4: columns<Relu, Two, 4>(v, x, y, groups); break;
        default: columns<Relu, Two, 0>(v, x, y, groups); break;
      }
  }
};

template <class Arch, class T, bool Relu, bool Two>
void dense_skinny(const skinny_plan<Arch, T>& pl, const T* x, std::size_t ldx, T* y, std::size_t ldy,
                  std::size_t rows) {
  using plan = skinny_plan<Arch, T>;
  constexpr std::size_t L = plan::L;
  const std::size_t n_in = pl.n_in, n_out = pl.n_out, P = pl.P, load = Two ? 2 * L : L;
  const bool contiguous = ldx == n_in && ldy == n_out;
  // A group read in place must lie within [r0, r1) and its loads must not pass x's last element: the
  // last vector of group g loads [(r0 + g P + ro_last) n_in, ... + load).
  const std::size_t x_end = rows * n_in, ro_last = pl.ro_min[pl.nv - 1];
  // Work in ps: the general path's estimate, which fits the measured 0.30 ns a row for 2->3, 0.61 for 3->3.
  detail::parallel_rows<Arch>(rows, (18 * n_in * n_out + 60 * (n_in + n_out)) * (sizeof(T) / 4), P, [&](std::size_t r0, std::size_t r1) {
    std::size_t direct = 0;
    if (contiguous && (r0 + ro_last) * n_in + load <= x_end) {
      direct = (x_end - load - (r0 + ro_last) * n_in) / (P * n_in) + 1;
      direct = min_of<Arch>(direct, (r1 - r0) / P);
      pl.template run<Relu, Two>(x + r0 * n_in, y + r0 * n_out, direct);
    }
    std::size_t r = r0 + direct * P;
    if (contiguous) {
      // The rest of the groups (1 or 2, whose full loads would pass x's end): lanes of rows past r1 compute
      // values that are not stored (their x is another thread's rows or missing, read as 0).
      for (; r < r1; r += P) pl.template tail<Relu, Two>(x + r * n_in, x_end - r * n_in, y + r * n_out, (r1 - r) * n_out);
      return;
    }
    // Strided buffers: group by group through a staging copy (zero rows past the end compute values that
    // are not stored).
    for (; r < r1; r += P) {
      alignas(64) T xs[plan::kStageX];
      alignas(64) T ys[plan::kStageY];
      const std::size_t m = min_of<Arch>(P, r1 - r);
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t k = 0; k < n_in; ++k) xs[i * n_in + k] = x[(r + i) * ldx + k];
      for (std::size_t i = m * n_in; i < P * n_in + load; ++i) xs[i] = T(0);
      pl.template run<Relu, Two>(xs, ys, 1);
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n_out; ++j) y[(r + i) * ldy + j] = ys[i * n_out + j];
    }
  });
}

template <class Arch, class T, bool Relu>
void skinny(const skinny_plan<Arch, T>& pl, const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows) {
  if (pl.two)
    dense_skinny<Arch, T, Relu, true>(pl, x, ldx, y, ldy, rows);
  else
    dense_skinny<Arch, T, Relu, false>(pl, x, ldx, y, ldy, rows);
}

template <class Arch, class T, bool Relu>
void dense(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, T* y, std::size_t ldy,
           std::size_t rows, std::size_t n_in, std::size_t n_out) {
  if (rows == 0 || n_out == 0) return;
  if (skinny_plan<Arch, T>::fits(n_in, n_out)) {
    skinny_plan<Arch, T> pl;
    pl.init(w, ldw, b, n_in, n_out);
    skinny<Arch, T, Relu>(pl, x, ldx, y, ldy, rows);
    return;
  }
  dense_general<Arch, T, Relu>(x, ldx, w, ldw, b, y, ldy, rows, n_in, n_out, nullptr);
}

// ---- prepacked weights --------------------------------------------------------------------------------
// What dense() prepares from w and b on every call, prepared once: the skinny path's plan (its permute
// indices, weight and bias vectors) stored as an object in the buffer, or the general path's W panels and
// padded bias. Which one is a function of the shape alone (skinny_plan::fits), so the packed buffer needs
// no header; it is this ISA's private layout, 64-byte aligned.
template <class Arch, class T>
std::size_t packed_size(std::size_t n_in, std::size_t n_out) {
  if (skinny_plan<Arch, T>::fits(n_in, n_out)) return ceil_div<Arch>(sizeof(skinny_plan<Arch, T>), sizeof(T));
  return blocking<Arch, T>(n_in, n_out).packed_size(n_in);
}

template <class Arch, class T>
void pack(const T* w, std::size_t ldw, const T* b, std::size_t n_in, std::size_t n_out, T* packed) {
  using plan = skinny_plan<Arch, T>;
  if (plan::fits(n_in, n_out))
    (::new (static_cast<void*>(packed)) plan())->init(w, ldw, b, n_in, n_out);
  else
    pack_general<Arch>(w, ldw, b, n_in, n_out, packed);
}

template <class Arch, class T, bool Relu>
void dense_packed(const T* x, std::size_t ldx, const T* packed, T* y, std::size_t ldy, std::size_t rows,
                  std::size_t n_in, std::size_t n_out) {
  using plan = skinny_plan<Arch, T>;
  if (rows == 0 || n_out == 0) return;
  if (plan::fits(n_in, n_out))
    skinny<Arch, T, Relu>(*std::launder(reinterpret_cast<const plan*>(packed)), x, ldx, y, ldy, rows);
  else
    dense_general<Arch, T, Relu>(x, ldx, nullptr, 0, nullptr, y, ldy, rows, n_in, n_out, packed);
}

}  // namespace dense_detail

template <class Arch, class T>
void dense_forward(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, T* y, std::size_t ldy,
                   std::size_t rows, std::size_t n_in, std::size_t n_out) {
  dense_detail::dense<Arch, T, false>(x, ldx, w, ldw, b, y, ldy, rows, n_in, n_out);
}

template <class Arch, class T>
void dense_relu(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, T* y, std::size_t ldy,
                std::size_t rows, std::size_t n_in, std::size_t n_out) {
  dense_detail::dense<Arch, T, true>(x, ldx, w, ldw, b, y, ldy, rows, n_in, n_out);
}

template <class Arch, class T>
std::size_t dense_packed_size(std::size_t n_in, std::size_t n_out) {
  return dense_detail::packed_size<Arch, T>(n_in, n_out);
}

template <class Arch, class T>
void dense_pack(const T* w, std::size_t ldw, const T* b, std::size_t n_in, std::size_t n_out, T* packed) {
  dense_detail::pack<Arch>(w, ldw, b, n_in, n_out, packed);
}

template <class Arch, class T>
void dense_packed_forward(const T* x, std::size_t ldx, const T* packed, T* y, std::size_t ldy, std::size_t rows,
                          std::size_t n_in, std::size_t n_out) {
  dense_detail::dense_packed<Arch, T, false>(x, ldx, packed, y, ldy, rows, n_in, n_out);
}

template <class Arch, class T>
void dense_packed_relu(const T* x, std::size_t ldx, const T* packed, T* y, std::size_t ldy, std::size_t rows,
                       std::size_t n_in, std::size_t n_out) {
  dense_detail::dense_packed<Arch, T, true>(x, ldx, packed, y, ldy, rows, n_in, n_out);
}

}  // namespace nnsimd::kernels
