// Error measures against the long-double oracle.
#pragma once

#include <cmath>
#include <limits>

namespace nnsimd::numerics {

// The spacing of T's floating-point numbers at |exact|: 2^(e - p + 1) for |exact| in [2^e, 2^(e+1)),
// and the subnormal spacing (denorm_min) below the smallest normal. One ULP of the true value.
template <class T>
long double ulp_of(long double exact) {
  const long double a = std::fabs(exact);
  if (!(a >= static_cast<long double>(std::numeric_limits<T>::min())))
    return static_cast<long double>(std::numeric_limits<T>::denorm_min());
  int e = 0;
  std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1): a in [2^(e-1), 2^e)
  return std::ldexp(1.0L, e - std::numeric_limits<T>::digits);
}

// |computed - exact| in ULPs of exact. NaN == NaN and equal infinities are 0; a NaN or infinity
// mismatch is +inf.
// The exact value as T would hold it: beyond T's range it is an infinity (round to nearest overflows
// at max + half an ULP of max; any value above max counts here, the tighter edge does not matter).
template <class T>
long double saturate(long double exact) {
  const long double mx = static_cast<long double>(std::numeric_limits<T>::max());
  return exact > mx ? INFINITY : (exact < -mx ? -INFINITY : exact);
}

template <class T>
long double ulp_error(T computed, long double exact) {
  if (std::isnan(exact) || std::isnan(computed)) return std::isnan(exact) && std::isnan(computed) ? 0.0L : INFINITY;
  if (std::isinf(computed)) return static_cast<long double>(computed) == saturate<T>(exact) ? 0.0L : INFINITY;
  if (std::isinf(exact)) return INFINITY;
  return std::fabs(static_cast<long double>(computed) - exact) / ulp_of<T>(exact);
}

// |computed - exact| / |exact| (0 when both are 0; inf when only exact is 0; NaN rules as ulp_error).
template <class T>
long double relative_error(T computed, long double exact) {
  if (std::isnan(exact) || std::isnan(computed)) return std::isnan(exact) && std::isnan(computed) ? 0.0L : INFINITY;
  if (std::isinf(computed)) return static_cast<long double>(computed) == saturate<T>(exact) ? 0.0L : INFINITY;
  if (std::isinf(exact)) return INFINITY;
  const long double d = std::fabs(static_cast<long double>(computed) - exact);
  if (exact == 0) return d == 0 ? 0.0L : INFINITY;
  return d / std::fabs(exact);
}

// The unit roundoff u = 2^-p of T (2^-24 for float, 2^-53 for double).
template <class T>
constexpr long double unit_roundoff() {
  return std::ldexp(1.0L, -std::numeric_limits<T>::digits);
}

// gamma_n = n u / (1 - n u): the bound on the relative error of n roundings (Higham, Lemma 3.1).
template <class T>
long double gamma(long double n) {
  const long double nu = n * unit_roundoff<T>();
  return nu / (1 - nu);
}

}  // namespace nnsimd::numerics
