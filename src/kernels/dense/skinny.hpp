// The skinny path: x86 permutes by index table (perm), the per-shape plan (skinny_plan) and its driver
// (dense_skinny, skinny).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/arch.hpp"
#include "kernels/dense/common.hpp"
#include "kernels/relu.hpp"
#include "kernels/parallel.hpp"

namespace nnsimd::kernels {
namespace dense_detail {

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
      return arch::x86_avx512<Arch, T>::load_index(s);
    } else if constexpr (is_avx2<Arch>) {
      return arch::x86_avx2<Arch, T>::load_index(s);
    } else {
      return s;
    }
  }
  using reg = decltype(load(nullptr));

  // Lane l of the result = element i[l] of lo (Two = false) or of the concatenation lo:hi (Two):
  // vpermps / vpermpd, vpermt2ps / vpermt2pd on AVX-512; vpermps (and a blend for Two) on AVX2
  // (arch/x86_avx512.hpp, arch/x86_avx2.hpp).
  template <bool Two>
  static V apply(const V& lo, const V& hi, reg i, const T* src) {
    if constexpr (is_avx512<Arch>) {
      using O = arch::x86_avx512<Arch, T>;
      (void)src;
      return Two ? O::permute2(lo, hi, i) : O::permute(lo, i);
    } else if constexpr (is_avx2<Arch>) {
      (void)src;
      return arch::x86_avx2<Arch, T>::template permute<Two>(lo, hi, i);
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
      // A vector at a time (AVX-512 has the permutes): column j and row ro of each lane of f = v L + l
      // from f computed in T, q = floor((f + 1/2) / n_out) (exact: f < 256, and the fraction stays at
      // least 1/(2 n_out) from an integer), then the weights and bias are permutes of one w row / b.
      using O = arch::x86_avx512<Arch, T>;
      alignas(64) T iota[L];
      for (std::size_t l = 0; l < L; ++l) iota[l] = T(l);
      const V inv = V(T(1) / T(n_out)), nf = V(T(n_out)), half = V(T(0.5));
      const V bvec = load_first<Arch>(b, n_out);
      for (std::size_t v = 0; v < nv; ++v) {
        const V f = V::load_aligned(iota) + V(T(v * L));
        const V q = xsimd::floor((f + half) * inv);
        const V j = f - q * nf;
        const V base = (q - V(T(ro_min[v]))) * V(T(n_in));
        const typename O::I ji = O::to_index(j);
        O::store_aligned(bt + v * L, O::permute(bvec, ji));
        for (std::size_t k = 0; k < n_in; ++k) {
          O::store_aligned(wt + (v * n_in + k) * L, O::permute(load_first<Arch>(w + k * ldw, n_out), ji));
          O::store_index(idx + (v * n_in + k) * pm::slot, O::to_index(base + V(T(k))));
        }
      }
      return;
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

}  // namespace dense_detail
}  // namespace nnsimd::kernels
