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
// exp. Every ISA's softmax evaluates exp(t), t = x - m <= 0, with softmax_detail::exp_nonpos (the
// scalar reference with std::exp). Its error against std::exp in higher precision, in ULPs of the result:
//   float, every float t in [-104, 0] (1.12e9 values) whose exp is normal: avx512 1.200, avx2 (FMA)
//     1.200, sse2 (no FMA: the reduction and polynomial round more) 1.489;
//   double, 4e7 samples (half uniform in [-745, 0], half log-uniform in (-1, 0)): avx512 0.956, avx2
//     0.948, sse2 1.172.
// Results below the smallest normal (t < -87.34 float, -708.4 double) are flushed to 0: absolute error
// <= FLT_MIN / DBL_MIN, measured equal to it. glibc's expf/exp (scalar reference) are below 1 ULP.
// E = softmax_exp_ulps<T>() rounds the worst measurement up (the double one is sampled, not exhaustive).
template <class T>
constexpr long double softmax_exp_ulps() {
  return std::numeric_limits<T>::digits <= 24 ? 1.5L : 1.25L;
}

// softmax, one row of n = cols elements. Exact: d_i = x_i - m, e_i = exp(d_i), S = sum e_i >= 1 (the
// maximum contributes exp(0) = 1), y_j = e_j / S. Computed in T (u = unit roundoff, F = smallest normal
// of T, E as above):
//  1. d~_i = fl(x_i - m): relative error <= u (exact when x_i is within a factor 2 of m), so
//     exp(d~_i) = e_i exp(delta), |delta| <= u |d_i|.
//  2. e~_i = exp(d~_i) (1 + eps), |eps| <= E ulp / value <= 2 E u (one ULP is at most 2u relative), or
//     an absolute error <= F where the result is below F (flushed or subnormal). Together:
//       e~_i = e_i (1 + a_i') + eta_i,  |a_i'| <= a_i = exp(u |d_i|) (1 + 2 E u) - 1,  |eta_i| <= F.
//  3. s~ = fl(sum e~_i), n - 1 additions of non-negative terms in any order / tree (several accumulators,
//     lanes, tails): |s~ - sum e~_i| <= gamma_(n-1) sum e~_i (Higham eq. 3.5). With
//       alpha = (sum_i e_i a_i) / S + n F       (softmax_sum_rel; S >= 1 turns n F into a relative term)
//     sum e~_i = S (1 + theta), |theta| <= alpha, and s~ = S (1 + theta)(1 + g), |g| <= gamma_(n-1).
//  4. y~_j = fl(e~_j * fl(1 / s~)) (the kernels; the reference divides once: fewer roundings): two
//     roundings, relative gamma_2, plus at most denorm_min / 2 each if y_j is subnormal.
// Hence, with R_j = (1 + a_j)(1 + gamma_2) / ((1 - alpha)(1 - gamma_(n-1))) - 1 (the upper deviation,
// which dominates the lower one),
//   |y~_j - y_j| <= y_j R_j + F + denorm_min          (F / s~ <= F: the underflowed numerator)
// For typical rows (|d| <= 20, float, n = 1000) this is about 7e-5 relative: gamma_999 = 6e-5 dominates;
// the rows sum to 1 within the sum of the element bounds.
template <class T>
long double softmax_term_rel(long double d) {
  const long double u = unit_roundoff<T>();
  return std::exp(u * std::fabs(d)) * (1 + 2 * softmax_exp_ulps<T>() * u) - 1;
}

// alpha of step 3 for the row x[0, n), from the inputs (NaN / infinite rows: their result is NaN and
// no bound is needed; returns 0).
template <class T>
long double softmax_sum_rel(const T* x, std::size_t n) {
  long double m = -INFINITY;
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] > m) m = x[i];
  if (!std::isfinite(m)) return 0;
  long double s = 0, w = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const long double d = static_cast<long double>(x[i]) - m;
    const long double e = std::isnan(d) ? 0.0L : std::exp(d);
    if (e == 0) continue;  // d below about -11356: underflows long double; its term is 0 either way
    s += e;
    w += e * softmax_term_rel<T>(d);
  }
  return w / s + static_cast<long double>(n) * static_cast<long double>(std::numeric_limits<T>::min());
}

// The bound of step 4 for one element: exact value y (oracle), its d = x_j - m (long double), the row's
// alpha and n.
template <class T>
long double softmax_bound(long double y, long double d, long double alpha, std::size_t n) {
  const long double g = gamma<T>(static_cast<long double>(n > 1 ? n - 1 : 0));
  const long double r = (1 + softmax_term_rel<T>(d)) * (1 + gamma<T>(2)) / ((1 - alpha) * (1 - g)) - 1;
  // y == 0: d underflows even long double's exp (or is -inf); r may be inf there, the term is 0.
  return (y == 0 ? 0.0L : y * r) + static_cast<long double>(std::numeric_limits<T>::min()) +
         static_cast<long double>(std::numeric_limits<T>::denorm_min());
}

// ---- categorical cross-entropy (owned by the loss kernels; see src/kernels/loss.hpp) ---------------
// The log. Every nnsimd ISA computes -log(v) with xsimd::log (the scalar reference with std::log), and
// the clip before it is exact (a compare and a select). Measured worst error of the whole -log(clip(p))
// against the long-double oracle, in ULPs of the result, on this machine:
//   float, every float p in [1e-7, 1] (195.6 M values): avx2/avx512 0.752, sse2 0.829, scalar 0.787;
//   double, 20 M log-uniform p in [1e-300, 1] + 5 M uniform in [0.5, 1) + the 1 M doubles below 1:
//          avx2 0.745, avx512 0.754, sse2 0.846 (no FMA in xsimd's polynomial), scalar 0.516.
// So 1 ULP of the result bounds the log, with margin (NEON runs the same xsimd polynomial).
inline constexpr long double log_ulps = 1;

// categorical_cross_entropy: -log(clip(p)) with the clip exact, so the log's error only.
template <class T>
long double categorical_cross_entropy_bound(long double exact) {
  return log_ulps * ulp_of<T>(exact);
}

// categorical_cross_entropy_onehot: s = sum_j clip(p_j) t_j computed in T with n = cols products and n - 1 additions, in any
// order, with or without FMA: |s^ - s| <= gamma_n * A, A = sum_j clip(p_j) |t_j| (Higham eq. 3.5). With
// labels t >= 0 (one-hot or soft) A = s, so s^ = s (1 + d) with |d| <= gamma_n; otherwise
// |d| <= gamma_n * A / s =: d_max (`abs_over_sum` = A / s). Then
//   |-log(s^) - (-log(s))| = |log(1 + d)| <= -log(1 - d_max)    (d_max < 1),
// about gamma_n: 10 columns of float give 6e-7 absolute, 32000 give 1.9e-3. The log of s^ adds
// log_ulps ULPs of its result, whose magnitude is at most |exact| + that first term.
template <class T>
long double categorical_cross_entropy_onehot_bound(long double exact, std::size_t n, long double abs_over_sum = 1) {
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
// loss = logsumexp(x) - x_l = (m - x_l) + log(S), S = sum exp(x_i - m) (softmax section). Computed:
//  1. s~ = S (1 + sigma), |sigma| <= sigma_max = (1 + alpha)(1 + gamma_(n-1)) - 1 (softmax steps 1-3),
//     so |log(s~) - log(S)| <= lambda = -log(1 - sigma_max)  (about gamma_n + alpha).
//  2. log(s~) by xsimd::log (across-rows path) or std::log (per-row path, scalar reference), measured
//     on every float in [1, 2^20] (s~ is in [1, n]): xsimd avx512/avx2 0.756, sse2 0.835 ULP; glibc
//     logf 0.818; double, 2e7 samples: xsimd 0.754 / 0.745 / 0.835, glibc 0.518. E_log = 0.85 ULP,
//     i.e. a relative 2 E_log u of
//     |log s~| <= log(S) + lambda.
//  3. Every implementation (the scalar reference too) computes fl(m - x_l) first: error <= u |m - x_l|
//     (0 when x_l is within a factor 2 of m, Sterbenz), then one rounded addition: u |result|.
//     (fl(m + log s~) first would cost u (|m| + log S): 6e-4 absolute for float logits of 1e4.)
//   B1 = first rounding + lambda + 2 E_log u (log(S) + lambda);  bound = B1 + u (|loss| + B1).
inline constexpr long double softmax_cross_entropy_log_ulps = 0.85L;

template <class T>
long double softmax_cross_entropy_bound(long double m, long double x_label, long double log_s, long double alpha, std::size_t n,
                              long double loss) {
  const long double u = unit_roundoff<T>();
  const long double sigma = (1 + alpha) * (1 + gamma<T>(static_cast<long double>(n > 1 ? n - 1 : 0))) - 1;
  if (!(sigma < 1)) return INFINITY;
  const long double lambda = -std::log1p(-sigma);
  const long double first = u * std::fabs(m - x_label);
  const long double b1 = first + lambda + 2 * softmax_cross_entropy_log_ulps * u * (log_s + lambda);
  return b1 + u * (std::fabs(loss) + b1);
}



}  // namespace nnsimd::numerics
