// Documented error bounds, one per kernel: the tests assert them and `nnsimd accuracy` reports against
// them. Each bound is derived below, not tuned. u = unit_roundoff<T>() (2^-24 float, 2^-53 double).
// A bound is an absolute error allowed for one output element, given the inputs that produced it.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

#include "numerics/ulp.hpp"

namespace nnsimd::numerics {

// relu, clip, argmax, accuracy: exact. They only compare and select; no arithmetic rounds.
inline constexpr long double exact_bound = 0;

// dense_forward / dense_relu, one output y_ij = sum_k x_ik w_kj + b_j computed with n_in products and
// n_in additions in T, in any association order, with or without FMA:
//   |y - exact| <= gamma_(n_in + 1) * (sum_k |x_ik w_kj| + |b_j|)      (Higham, eq. 3.5)
// `scale` is that parenthesis (oracle.hpp, dense_abs_scale). relu afterwards cannot increase the error.
// Blocked or multi-accumulator orders obey the same bound (their depth is smaller).
template <class T>
long double dense_bound(long double scale, std::size_t n_in) {
  return gamma<T>(static_cast<long double>(n_in) + 1) * scale;
}

// The mean of n per-sample losses l_i >= 0 (or any sign): summed in double (error <= gamma_n^double *
// sum |l_i|), divided by n (0.5 ulp of double), rounded to T (0.5 ulp of T):
//   |mean - exact| <= (gamma_(n+1)^double * sum|l_i|) / n + u_T * |exact mean| (+ u_T spare)
template <class T>
long double mean_bound(long double sum_abs, std::size_t n, long double exact_mean) {
  const long double nn = static_cast<long double>(n);
  return gamma<double>(nn + 1) * sum_abs / nn + 2 * unit_roundoff<T>() * std::fabs(exact_mean);
}

// ---- softmax (owned by the softmax kernel; see src/kernels/softmax.hpp) -----------------------------
// ---- categorical cross-entropy (owned by the loss kernels; see src/kernels/loss.hpp) ---------------
// ---- fused softmax cross-entropy (owned by the softmax kernel) -------------------------------------

}  // namespace nnsimd::numerics
