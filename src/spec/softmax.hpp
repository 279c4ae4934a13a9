// softmax: the numerically stable softmax of each row, exp(x - rowmax) / sum(exp(x - rowmax)). A row
// holding a NaN or +inf, or only -inf, becomes all NaN (as NumPy's).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <vector>

#include "spec/inputs.hpp"
#include "spec/shapes.hpp"
#include "spec/spec.hpp"

namespace nnsimd::spec {

// ---- oracle -------------------------------------------------------------------------------------

// Softmax of one row in long double. NaN / +inf / all -inf rows give all NaN, as NumPy.
template <class T>
std::vector<wide> softmax_row(const T* x, std::size_t cols) {
  std::vector<wide> y(cols);
  wide m = -std::numeric_limits<wide>::infinity();
  bool nan = false;
  for (std::size_t j = 0; j < cols; ++j) {
    if (std::isnan(x[j])) nan = true;
    if (wide(x[j]) > m) m = x[j];
  }
  if (nan || std::isinf(m)) {
    for (auto& v : y) v = std::numeric_limits<wide>::quiet_NaN();
    return y;
  }
  wide s = 0;
  for (std::size_t j = 0; j < cols; ++j) s += (y[j] = std::exp(wide(x[j]) - m));
  for (auto& v : y) v /= s;
  return y;
}

// ---- bound --------------------------------------------------------------------------------------
// exp. Every ISA's softmax evaluates exp(t), t = x - m <= 0, with softmax_detail::exp_nonpos (the
// scalar reference with std::exp). Its error against std::exp in higher precision, in ULPs of the result:
//   float, every float t in [-104, 0] (1.12e9 values) whose exp is normal: avx512 1.200, avx2 (FMA)
//     1.200, sse2 (no FMA: the reduction and polynomial round more) 1.489;
//   double, 4e7 samples (half uniform in [-745, 0], half log-uniform in (-1, 0)): avx512 0.956, avx2
//     0.948, sse2 1.172.
// Results below the smallest normal (t < -87.34 float, -708.4 double) are flushed to 0: absolute error
// <= FLT_MIN / DBL_MIN, measured equal to it. glibc's expf/exp (scalar reference) are below 1 ULP.
// E = budget::exp_ulps (nnsimd_budget rounds the worst measurement up: 1.5 float, 1.25 double).
//
// One row of n = cols elements. Exact: d_i = x_i - m, e_i = exp(d_i), S = sum e_i >= 1 (the maximum
// contributes exp(0) = 1), y_j = e_j / S. Computed in T (u = unit roundoff, F = smallest normal of T):
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
long double softmax_term_rel(long double d, long double exp_ulps) {
  const long double u = numerics::unit_roundoff<T>();
  return std::exp(u * std::fabs(d)) * (1 + 2 * exp_ulps * u) - 1;
}

// alpha of step 3 for the row x[0, n), from the inputs (NaN / infinite rows: their result is NaN and
// no bound is needed; returns 0).
template <class T>
long double softmax_sum_rel(const T* x, std::size_t n, long double exp_ulps = nnsimd_budget<T>().exp_ulps) {
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
    w += e * softmax_term_rel<T>(d, exp_ulps);
  }
  return w / s + static_cast<long double>(n) * static_cast<long double>(std::numeric_limits<T>::min());
}

// The bound of step 4 for one element: exact value y (oracle), its d = x_j - m (long double), the row's
// alpha and n.
template <class T>
long double softmax_bound(long double y, long double d, long double alpha, std::size_t n,
                          long double exp_ulps = nnsimd_budget<T>().exp_ulps) {
  const long double g = numerics::gamma<T>(static_cast<long double>(n > 1 ? n - 1 : 0));
  const long double r = (1 + softmax_term_rel<T>(d, exp_ulps)) * (1 + numerics::gamma<T>(2)) / ((1 - alpha) * (1 - g)) - 1;
  // y == 0: d underflows even long double's exp (or is -inf); r may be inf there, the term is 0.
  return (y == 0 ? 0.0L : y * r) + static_cast<long double>(std::numeric_limits<T>::min()) +
         static_cast<long double>(std::numeric_limits<T>::denorm_min());
}

// What the bounds of softmax and the fused loss take from a row: its maximum m (NaN entries skipped: such
// rows are NaN in the oracle and need no bound) and alpha (softmax_sum_rel).
struct row_terms {
  long double m, alpha;
};

template <class T>
row_terms softmax_row_terms(const T* x, std::size_t n, long double exp_ulps) {
  return {row_max(x, n), softmax_sum_rel(x, n, exp_ulps)};
}

// ---- the op -------------------------------------------------------------------------------------

// The row kernels' standard set: 24 logit rows (fill_logits' adversarial rows first) of 1, 3, 10, 17,
// 64 and 1000 columns.
inline std::vector<shape> logit_shapes() {
  std::vector<shape> v;
  for (std::size_t cols : {1, 3, 10, 17, 64, 1000}) v.push_back({24, cols, 0, true});
  return v;
}

template <class T>
struct softmax : copy_work<T> {
  // The benchmarks' inputs: uniform in [-4, 4).
  static void inputs(data<T>& d, std::mt19937_64& g) {
    fill_uniform(d.x, d.rows * d.cols, -4, 4, g);
    d.y.allocate(d.rows * d.cols);
  }
  static std::vector<shape> shapes() { return logit_shapes(); }
  static void standard(data<T>& d, std::mt19937_64& g, bool) {
    fill_logits(d.x, d.rows, d.cols, g);
    fill_labels(d, g);  // unused here: keeps the stream of random numbers the fused loss's
    d.y.allocate(d.rows * d.cols);
  }
  // Benchmarks: as much written as read; bound by exp throughput or the copy bandwidth at the working
  // set, whichever binds (exp+mem; older result files say roof=exp, exp only).
  static std::vector<named_shape> bench_shapes() { return shape_set(softmax_shapes); }
  static constexpr const char* roof = "roof=exp+mem";
  static void call(const detail::kernel_table<T>& t, const args<T>& a) {
    t.softmax(a.x, a.ldx, a.y, a.ldy, a.rows, a.cols);
  }
  // Per element, with d = x_j - m in long double.
  template <class V>
  static bool check(const args<T>& a, const budget& b, const sample& s, V&& visit) {
    for (std::size_t i : pick(a.rows, s.rows)) {
      const T* xi = a.x + i * a.ldx;
      const auto want = softmax_row(xi, a.cols);
      const row_terms r = softmax_row_terms(xi, a.cols, b.exp_ulps);
      for (std::size_t j = 0; j < a.cols; ++j) {
        const long double d = static_cast<long double>(xi[j]) - r.m;
        const long double bound = softmax_bound<T>(want[j], d, r.alpha, a.cols, b.exp_ulps);
        if (!visit(element{"y", i, j, a.y[i * a.ldy + j], want[j], bound})) return false;
      }
    }
    return true;
  }
};

}  // namespace nnsimd::spec
