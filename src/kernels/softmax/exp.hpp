// exp_nonpos: exp(t) for t <= 0 (softmax's t = x - m), with its float and double constants.
#pragma once

#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "kernels/arch/gcc_105593.hpp"
#include "kernels/simd.hpp"

NNSIMD_GCC105593_BEGIN  // arch/gcc_105593.hpp

namespace nnsimd::kernels {
namespace softmax_detail {

using simd::hmax;
using simd::load_first;
using simd::store_first;

// ---- exp for t <= 0 ------------------------------------------------------------------------------------
// exp(t) = 2^n * exp(r), n = round(t / ln 2), r = t - n ln 2 in [-ln2/2, ln2/2] (a hair more without FMA,
// where n comes from a rounded product).
//  * n by the magic-bias trick: t*log2(e) + 1.5*2^23 (float) lands where the float's ulp is 1, so the
//    addition rounds to the nearest integer and the low mantissa bits hold n. The bias also carries the
//    exponent bias (127 / 1023), so shifting the bits left by 23 (52) gives the bits of 2^n directly.
//  * r in two steps (Cody-Waite): ln2_hi has few enough significant bits that n * ln2_hi is exact for
//    every n we keep (|n| <= 126 / 1022), so t - n ln2_hi is exact; ln2_lo = ln2 - ln2_hi carries the rest.
//  * exp(r) = 1 + r p(r): float p of degree 5 (a degree-6 polynomial, Remez-fitted for relative error on
//    [-0.3466, 0.3466], |error| 2.6e-9 = 0.04 u); double p = Taylor to degree 13 (remainder
//    0.3466^14 / 14! = 4e-18 = 0.04 u). exp(0) = 1 exactly, so s >= 1.
//  * e = s + (r s) p: the last operation adds the small correction to the exact power of two.
//  * t < cutoff = ln(smallest normal) would need n < -126 (-1022): those results (below 2^-126, 2^-1022)
//    are flushed to 0, an absolute error below the smallest normal. -inf and t < cutoff give exactly 0;
//    NaN fails the compare and propagates.
template <class T>
struct exp_constants;

template <>
struct exp_constants<float> {
  using int_type = std::int32_t;
  static constexpr int mantissa_bits = 23;
  static constexpr float log2e = 0x1.715476p+0f;
  static constexpr float magic = 0x1.8000FEp23f;  // 1.5 * 2^23 + 127
  static constexpr float ln2_hi = 0x1.62E400p-1f;  // 15 significant bits: n * ln2_hi exact for |n| < 2^9
  static constexpr float ln2_lo = 0x1.7F7D1Cp-20f;
  static constexpr float cutoff = -0x1.5D589Ep6f;  // -87.33654 = ln(2^-126)
  static constexpr int degree = 6;
  // exp(r) ~ 1 + c1 r + ... + c6 r^6
  static constexpr float c[degree + 1] = {1.0f,          0x1p+0f,        0x1.000002p-1f, 0x1.5553c0p-3f,
                                          0x1.55515ep-5f, 0x1.12904ep-7f, 0x1.709b92p-10f};
};

template <>
struct exp_constants<double> {
  using int_type = std::int64_t;
  static constexpr int mantissa_bits = 52;
  static constexpr double log2e = 0x1.71547652b82fep+0;
  static constexpr double magic = 0x1.8p52 + 1023.0;
  static constexpr double ln2_hi = 0x1.62e42fee00000p-1;  // 32 significant bits (fdlibm's ln2_hi)
  static constexpr double ln2_lo = 0x1.a39ef35793c76p-33;
  static constexpr double cutoff = -0x1.6232bdd7abcd2p+9;  // -708.3964185322641 = ln(2^-1022)
  static constexpr int degree = 13;
  // Taylor: 1/k!, rounded to double
  static constexpr double c[degree + 1] = {1.0,
                                           1.0,
                                           0.5,
                                           1.0 / 6,
                                           1.0 / 24,
                                           1.0 / 120,
                                           1.0 / 720,
                                           1.0 / 5040,
                                           1.0 / 40320,
                                           1.0 / 362880,
                                           1.0 / 3628800,
                                           1.0 / 39916800,
                                           1.0 / 479001600,
                                           1.0 / 6227020800};
};

// exp(t) for t <= 0, -inf or NaN (t > 0 is not supported: no overflow handling).
template <class Arch, class T>
inline xsimd::batch<T, Arch> exp_nonpos(const xsimd::batch<T, Arch>& t) {
  using V = xsimd::batch<T, Arch>;
  using K = exp_constants<T>;
  using I = xsimd::batch<typename K::int_type, Arch>;
  const V biased = xsimd::fma(t, V(K::log2e), V(K::magic));
  const V n = biased - V(K::magic);
  const V scale = xsimd::bitwise_cast<V>(xsimd::bitwise_cast<I>(biased) << K::mantissa_bits);
  V r = xsimd::fma(n, V(-K::ln2_hi), t);
  r = xsimd::fma(n, V(-K::ln2_lo), r);
  V p(K::c[K::degree]);
  for (int k = K::degree - 1; k >= 1; --k) p = xsimd::fma(p, r, V(K::c[k]));
  const V e = xsimd::fma(r * scale, p, scale);
  return xsimd::select(t < V(K::cutoff), V(0), e);
}

}  // namespace softmax_detail
}  // namespace nnsimd::kernels

NNSIMD_GCC105593_END
