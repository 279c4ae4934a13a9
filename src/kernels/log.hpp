// log for the losses: log(x) of a vector, the one every loss kernel calls (the cross-entropies on
// probabilities and the log-sum-exp of the fused softmax cross-entropy). double has its own (log_normal
// below); float keeps xsimd::log, whose float polynomial has no division and no 64-bit integer work.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/gcc_105593.hpp"
#include "kernels/simd.hpp"

NNSIMD_GCC105593_BEGIN  // arch/gcc_105593.hpp

namespace nnsimd::kernels {
namespace log_detail {

// ---- double log for positive normal x -------------------------------------------------------------
// Why not xsimd's: its double log (fdlibm's scheme too) took 3.7 ns an element on AVX2
// (limit/log/f64/avx2/xsimd, Zen 3), 4.4x its float log for half the lanes: its exponent goes through a
// 64-bit arithmetic shift and an int64 -> double conversion, which AVX2 lacks and xsimd emulates, and it
// tests for subnormals, zero, infinity and NaN on every vector. The losses' inputs are clipped
// probabilities and sums of them: positive normal numbers but for rare input, which log() below sends to
// log_any.
//
// x = 2^k m with m in [sqrt(1/2), sqrt(2)), f = m - 1 in [-0.2929, 0.4142] (exact: Sterbenz);
// log(x) = k ln2 + log(1 + f), and with s = f / (2 + f), |s| <= 3 - 2 sqrt(2) = 0.1716,
//   log(1 + f) = 2 atanh(s) = 2s + s R,   R = sum_{j>=1} 2 z^j / (2j + 1),   z = s^2 <= 0.02944.
// R is its Taylor series to z^10. The remainder is at most 2 |s| z^11 / (23 (1 - z)) <= 2^-60.5 of
// log(1 + f) (which is >= 2 |s|): 0.006 ULP. As in fdlibm's e_log.c, the terms are arranged so that the
// rounding errors of s and R land in a correction that is small against f:
//   2s + sR = f - s f = f - (hfsq - s (hfsq + R)),   hfsq = f^2 / 2,
//   log(x) = (k ln2_hi + f) + ((s (hfsq + R) + k ln2_lo) - hfsq),
// k ln2_hi exact (ln2_hi has 32 significant bits, |k| <= 1022), k ln2_hi + f split exactly into a sum and
// its error, and the last parenthesis formed in one rounding where there is an FMA. The worst error
// measured against a long-double oracle is in src/spec/categorical_cross_entropy.hpp: 0.74 ULP with FMA,
// 0.79 without (xsimd's: 0.75 / 0.85), under the losses' budget of 1.
//
// Integer work is 64-bit add, and, or and logical shift, which SSE2, AVX2, AVX-512 and NEON all have:
//   ix = bits(x) + (bits(1) - bits(sqrt(1/2))), so that the exponent field of ix is k + 1023 with m in
//        [sqrt(1/2), sqrt(2)): the mantissa of x carries into the exponent from sqrt(2) on;
//   m  = bits (ix & mantissa) + bits(sqrt(1/2)), which restores m's own exponent (-1 or 0);
//   k  = double(bits(2^52) | (ix >> 52)) - (2^52 + 1023), exact (the field is below 2^11).
struct log_f64 {
  static constexpr std::uint64_t sqrt_half_bits = 0x3fe6a09e667f3bcdULL;  // sqrt(1/2), rounded down
  static constexpr std::uint64_t one_bits = 0x3ff0000000000000ULL;
  static constexpr std::uint64_t mantissa = 0x000fffffffffffffULL;
  static constexpr std::uint64_t two52_bits = 0x4330000000000000ULL;  // 2^52
  static constexpr double two52_bias = 0x1p52 + 1023.0;
  static constexpr double ln2_hi = 0x1.62e42fee00000p-1;  // 32 significant bits, as exp_constants<double>
  static constexpr double ln2_lo = 0x1.a39ef35793c76p-33;
  static constexpr int terms = 10;
  // 2 / (2j + 1), j = 1..10, rounded to double (their rounding is 2^-53 relative on s R, itself below 2%
  // of the result).
  static constexpr double c[terms] = {2.0 / 3,  2.0 / 5,  2.0 / 7,  2.0 / 9,  2.0 / 11,
                                      2.0 / 13, 2.0 / 15, 2.0 / 17, 2.0 / 19, 2.0 / 21};
};

// log(x) for x in [DBL_MIN, DBL_MAX], with k computed against `kbias` (2^52 + 1023, or 54 more for a
// lane that was scaled by 2^54); any other lane gives an unspecified value.
template <class Arch>
inline xsimd::batch<double, Arch> log_normal(const xsimd::batch<double, Arch>& x, const xsimd::batch<double, Arch>& kbias) {
  using V = xsimd::batch<double, Arch>;
  using U = xsimd::batch<std::uint64_t, Arch>;
  using K = log_f64;
  const U ix = xsimd::bitwise_cast<U>(x) + U(K::one_bits - K::sqrt_half_bits);
  const V m = xsimd::bitwise_cast<V>((ix & U(K::mantissa)) + U(K::sqrt_half_bits));
  const V k = xsimd::bitwise_cast<V>((ix >> 52) | U(K::two52_bits)) - kbias;
  const V f = m - V(1.0);
  const V s = f / (V(2.0) + f);
  const V z = s * s;
  const V w = z * z;
  // R = z (c0 + c1 z + ... + c9 z^9) as even and odd halves in w = z^2: two chains of 5 instead of one
  // of 10 (the FMA latency, not the throughput, is what a row-at-a-time caller waits on).
  V even(K::c[8]), odd(K::c[9]);
  for (int j = 6; j >= 0; j -= 2) {
    even = xsimd::fma(even, w, V(K::c[j]));
    odd = xsimd::fma(odd, w, V(K::c[j + 1]));
  }
  const V r = z * xsimd::fma(odd, z, even);
  const V hfsq = V(0.5) * f * f;
  const V corr = xsimd::fma(s, hfsq + r, k * V(K::ln2_lo));  // s (hfsq + R) + k ln2_lo
  // t + e = k ln2_hi + f exactly (Fast2Sum: |k ln2_hi| >= 0.69 > |f|, or k = 0 and e = 0), and
  // corr - hfsq in one rounding (0.5 f is exact, so the fma sees f^2 / 2 exactly): the rounding errors
  // then sit in a term below 0.1 against a result of at least 0.29 in magnitude (k = 0) or 0.34 (k != 0).
  const V kh = k * V(K::ln2_hi);
  const V t = kh + f;
  const V e = (kh - t) + f;
  if constexpr (simd::has_fma<Arch>) {
    return t + (xsimd::fma(V(-0.5) * f, f, corr) + e);
  } else {
    // Without FMA, hfsq exactly as hi + lo (Dekker): f = fh + fl with fh f's top 26 significant bits,
    // so fh^2 / 2 and fh fl are exact and fl^2 / 2 is below 2^-52 of f^2.
    const V fh = xsimd::bitwise_cast<V>(xsimd::bitwise_cast<U>(f) & U(0xfffffffff8000000ULL));
    const V fl = f - fh;
    const V hi = V(0.5) * fh * fh;
    const V lo = fh * fl + V(0.5) * fl * fl;
    return t + (((corr - lo) - hi) + e);
  }
}

// Every other lane, as std::log: a subnormal is scaled by 2^54 into the normal range (k takes the 54
// back exactly); +0 and -0 give -inf, +inf gives +inf, a negative number NaN, a NaN itself.
// (xsimd 8.1's double log is wrong below DBL_MIN: -746.5 for log(4e-320), which is -735.4; it reads
// the exponent before it scales the subnormal lanes.)
template <class Arch>
inline xsimd::batch<double, Arch> log_any(const xsimd::batch<double, Arch>& x) {
  using V = xsimd::batch<double, Arch>;
  using K = log_f64;
  constexpr double inf = std::numeric_limits<double>::infinity();
  const auto sub = x < V(std::numeric_limits<double>::min());
  const V y = log_normal<Arch>(xsimd::select(sub, x * V(0x1p54), x), xsimd::select(sub, V(K::two52_bias + 54), V(K::two52_bias)));
  const V pos = xsimd::select(x == V(inf), V(inf), y);
  const V neg = xsimd::select(x == V(0.0), V(-inf), V(std::numeric_limits<double>::quiet_NaN()));
  return xsimd::select(x != x, x, xsimd::select(x > V(0.0), pos, neg));
}

}  // namespace log_detail

// log(x) of every lane, as std::log (NaN for NaN and negative lanes, -inf for zeros, +inf for +inf).
// double: log_normal when every lane is a positive normal number (a compare pair and a branch on the
// vector, which the losses' inputs always take), else log_any.
template <class Arch, class T>
inline xsimd::batch<T, Arch> log(const xsimd::batch<T, Arch>& x) {
  using V = xsimd::batch<T, Arch>;
  if constexpr (std::is_same_v<T, double>) {
    if (xsimd::all((x >= V(std::numeric_limits<double>::min())) & (x <= V(std::numeric_limits<double>::max()))))
      return log_detail::log_normal<Arch>(x, V(log_detail::log_f64::two52_bias));
    return log_detail::log_any<Arch>(x);
  } else {
    return xsimd::log(x);
  }
}

}  // namespace nnsimd::kernels

NNSIMD_GCC105593_END
