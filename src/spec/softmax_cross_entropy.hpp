// softmax_cross_entropy: the fused log-softmax cross-entropy on logits (PyTorch's CrossEntropyLoss),
// losses[r] = logsumexp(x[r, :]) - x[r, labels[r]]. No clipping is needed.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "spec/inputs.hpp"
#include "spec/softmax.hpp"
#include "spec/shapes.hpp"
#include "spec/spec.hpp"

namespace nnsimd::spec {

// logsumexp(x) - x[label], as (m - x[label]) + log(sum exp(x - m)): m + log(s) first would lose log(s)
// next to |m| = FLT_MAX even in long double.
template <class T>
wide softmax_cross_entropy_row(const T* x, std::size_t cols, std::int32_t label) {
  wide m = -std::numeric_limits<wide>::infinity();
  bool nan = false;
  for (std::size_t j = 0; j < cols; ++j) {
    if (std::isnan(x[j])) nan = true;
    if (wide(x[j]) > m) m = x[j];
  }
  if (nan || std::isinf(m)) return std::numeric_limits<wide>::quiet_NaN();
  wide s = 0;
  for (std::size_t j = 0; j < cols; ++j) s += std::exp(wide(x[j]) - m);
  return (m - wide(x[label])) + std::log(s);
}

// loss = logsumexp(x) - x_l = (m - x_l) + log(S), S = sum exp(x_i - m) (softmax.hpp). Computed:
//  1. s~ = S (1 + sigma), |sigma| <= sigma_max = (1 + alpha)(1 + gamma_(n-1)) - 1 (softmax steps 1-3),
//     so |log(s~) - log(S)| <= lambda = -log(1 - sigma_max)  (about gamma_n + alpha).
//  2. log(s~) by kernels::log (src/kernels/log.hpp) or std::log (per-row path, scalar reference),
//     measured on every float in [1, 2^20] (s~ is in [1, n]): xsimd avx512/avx2 0.756, sse2 0.835 ULP;
//     glibc logf 0.818; double, 2e7 log-uniform samples: kernels::log avx2 0.721, sse2 0.766, glibc
//     0.518 (xsimd's, used before: 0.754 / 0.745 / 0.835). E_log =
//     budget::fused_log_ulps (0.85 ULP for nnsimd), i.e. a relative 2 E_log u of
//     |log s~| <= log(S) + lambda.
//  3. Every implementation (the scalar reference too) computes fl(m - x_l) first: error <= u |m - x_l|
//     (0 when x_l is within a factor 2 of m, Sterbenz), then one rounded addition: u |result|.
//     (fl(m + log s~) first would cost u (|m| + log S): 6e-4 absolute for float logits of 1e4.)
//   B1 = first rounding + lambda + 2 E_log u (log(S) + lambda);  bound = B1 + u (|loss| + B1).
template <class T>
long double softmax_cross_entropy_bound(long double m, long double x_label, long double log_s, long double alpha,
                                        std::size_t n, long double loss,
                                        long double log_ulps = nnsimd_budget<T>().fused_log_ulps) {
  const long double u = numerics::unit_roundoff<T>();
  const long double sigma = (1 + alpha) * (1 + numerics::gamma<T>(static_cast<long double>(n > 1 ? n - 1 : 0))) - 1;
  if (!(sigma < 1)) return INFINITY;
  const long double lambda = -std::log1p(-sigma);
  const long double first = u * std::fabs(m - x_label);
  const long double b1 = first + lambda + 2 * log_ulps * u * (log_s + lambda);
  return b1 + u * (std::fabs(loss) + b1);
}

template <class T>
struct softmax_cross_entropy : read_work<T> {
  // The benchmarks' inputs: logits uniform in [-4, 4), labels uniform.
  static void inputs(data<T>& d, std::mt19937_64& g) {
    fill_uniform(d.x, d.rows * d.cols, -4, 4, g);
    fill_labels(d, g);
    d.losses.allocate(d.rows);
  }
  static std::vector<shape> shapes() { return logit_shapes(); }
  static void standard(data<T>& d, std::mt19937_64& g, bool) {
    fill_logits(d.x, d.rows, d.cols, g);
    fill_labels(d, g);
    d.losses.allocate(d.rows);
  }
  // Benchmarks: reads the logits and a label, writes a loss per row; bound by exp throughput or the
  // read bandwidth at the working set.
  static std::vector<named_shape> bench_shapes() { return shape_set(loss_shapes); }
  static constexpr const char* roof = "roof=exp+mem";
  static double bytes(const args<T>& a) { return double(sizeof(T)) * (double(a.rows) * a.cols + a.rows) + 4.0 * a.rows; }

  static void call(const detail::kernel_table<T>& t, const args<T>& a) {
    t.softmax_cross_entropy(a.x, a.ldx, a.labels, a.losses, a.rows, a.cols);
  }
  template <class V>
  static bool check(const args<T>& a, const budget& b, const sample& s, V&& visit) {
    for (std::size_t i : pick(a.rows, s.rows)) {
      const T* xi = a.x + i * a.ldx;
      const wide want = softmax_cross_entropy_row(xi, a.cols, a.labels[i]);
      const row_terms r = softmax_row_terms(xi, a.cols, b.exp_ulps);
      long double sum = 0;  // S = sum exp(x_i - m) >= 1 for a finite row
      for (std::size_t j = 0; j < a.cols; ++j) sum += std::exp(static_cast<long double>(xi[j]) - r.m);
      const long double bound =
          softmax_cross_entropy_bound<T>(r.m, xi[a.labels[i]], std::log(sum), r.alpha, a.cols, want, b.fused_log_ulps);
      if (!visit(element{"loss", i, 0, a.losses[i], want, bound})) return false;
    }
    return true;
  }
};

}  // namespace nnsimd::spec
