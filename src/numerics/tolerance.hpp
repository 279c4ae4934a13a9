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
// The log. Every nnsimd ISA computes -log(v) with xsimd::log (the scalar reference with std::log), and
// the clip before it is exact (a compare and a select). Measured worst error of the whole -log(clip(p))
// against the long-double oracle, in ULPs of the result, on this machine:
//   float, every float p in [1e-7, 1] (195.6 M values): avx2/avx512 0.752, sse2 0.829, scalar 0.787;
//   double, 20 M log-uniform p in [1e-300, 1] + 5 M uniform in [0.5, 1) + the 1 M doubles below 1:
//          avx2 0.745, avx512 0.754, sse2 0.846 (no FMA in xsimd's polynomial), scalar 0.516.
// So 1 ULP of the result bounds the log, with margin (NEON runs the same xsimd polynomial).
inline constexpr long double log_ulps = 1;

// cce_sparse: -log(clip(p)) with the clip exact, so the log's error only.
template <class T>
long double cce_sparse_bound(long double exact) {
  return log_ulps * ulp_of<T>(exact);
}

// cce_onehot: s = sum_j clip(p_j) t_j computed in T with n = cols products and n - 1 additions, in any
// order, with or without FMA: |s^ - s| <= gamma_n * A, A = sum_j clip(p_j) |t_j| (Higham eq. 3.5). With
// labels t >= 0 (one-hot or soft) A = s, so s^ = s (1 + d) with |d| <= gamma_n; otherwise
// |d| <= gamma_n * A / s =: d_max (`abs_over_sum` = A / s). Then
//   |-log(s^) - (-log(s))| = |log(1 + d)| <= -log(1 - d_max)    (d_max < 1),
// about gamma_n: 10 columns of float give 6e-7 absolute, 32000 give 1.9e-3. The log of s^ adds
// log_ulps ULPs of its result, whose magnitude is at most |exact| + that first term.
template <class T>
long double cce_onehot_bound(long double exact, std::size_t n, long double abs_over_sum = 1) {
  const long double d = gamma<T>(static_cast<long double>(n)) * abs_over_sum;
  if (!(d < 1)) return INFINITY;
  const long double a = -std::log1p(-d);
  return a + log_ulps * ulp_of<T>(std::fabs(exact) + a);
}

// sum (the mean loss's numerator): n - 1 additions in double, any order, from values exact in double:
// |sum^ - sum| <= gamma_(n-1)^double * sum_i |x_i| (Higham eq. 3.5; 0 for n <= 1).
inline long double sum_bound(long double sum_abs, std::size_t n) {
  return n <= 1 ? 0.0L : gamma<double>(static_cast<long double>(n - 1)) * sum_abs;
}

// ---- fused softmax cross-entropy (owned by the softmax kernel) -------------------------------------

}  // namespace nnsimd::numerics
