// categorical_cross_entropy: losses[r] = -log(clip(p[r, labels[r]], eps, 1 - eps)), sparse labels;
// categorical_cross_entropy_onehot: losses[r] = -log(sum_j clip(p[r, j], eps, 1 - eps) * t[r, j]).
#pragma once

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "spec/clip.hpp"
#include "spec/inputs.hpp"
#include "spec/shapes.hpp"
#include "spec/spec.hpp"

namespace nnsimd::spec {

// ---- oracle -------------------------------------------------------------------------------------

// -log(clip(p, eps, 1 - eps)), the bounds rounded to T as the kernels do.
template <class T>
wide categorical_cross_entropy_one(T p, T eps) {
  return -std::log(clip_exact<T>(p, eps, T(1) - eps));
}

template <class T>
wide categorical_cross_entropy_onehot_row(const T* p, const T* t, std::size_t cols, T eps) {
  wide s = 0;
  for (std::size_t j = 0; j < cols; ++j) s += clip_exact<T>(p[j], eps, T(1) - eps) * wide(t[j]);
  return -std::log(s);
}

// ---- bounds -------------------------------------------------------------------------------------
// The log. Every nnsimd ISA computes -log(v) with kernels::log (src/kernels/log.hpp: xsimd::log for float,
// its own for double), the scalar reference with std::log, and the clip before it is exact (a compare
// and a select). Measured worst error of the log against the long-double oracle, in ULPs of the result,
// on this machine:
//   float, every float p in [1e-7, 1] (195.6 M values): avx2/avx512 0.752, sse2 0.829, scalar 0.787;
//   double, kernels::log on this machine (Zen 3, 2026-12-01): 20 M log-uniform p in [1e-300, 1]: avx2
//          0.673, sse2 0.731; 5 M uniform in [0.5, 1): 0.736 / 0.788; 5 M uniform in [1e-7, 1]: 0.727 /
//          0.793; the 1 M doubles below 1: 0.500 / 0.500; 1 M random subnormals (an eps below the
//          smallest normal lets them through): 0.500 / 0.500. Its worst inputs sit around sqrt(1/2),
//          where k ln2 and log(m) cancel; the test LogSweepWithinBudget samples there and over the whole
//          range on every ISA and records its worst as `max_ulp` (avx2 0.740, sse2 0.783, scalar
//          0.503, with 2^18 samples). xsimd 8.1's double log, used before: avx2 0.745, avx512 0.754, sse2 0.846, and wrong
//          below the smallest normal (746.5 for -log(4.9e-324), which is 744.4).
// So 1 ULP of the result bounds the log, with margin (NEON runs the same polynomials with FMA, as AVX2):
// budget::log_ulps = 1 for nnsimd.

// Sparse labels: -log(clip(p)) with the clip exact, so the log's error only.
template <class T>
long double categorical_cross_entropy_bound(long double exact, long double log_ulps = nnsimd_budget<T>().log_ulps) {
  return log_ulps * numerics::ulp_of<T>(exact);
}

// One-hot: s = sum_j clip(p_j) t_j computed in T with n = cols products and n - 1 additions, in any
// order, with or without FMA: |s^ - s| <= gamma_n * A, A = sum_j clip(p_j) |t_j| (Higham eq. 3.5). With
// labels t >= 0 (one-hot or soft) A = s, so s^ = s (1 + d) with |d| <= gamma_n; otherwise
// |d| <= gamma_n * A / s =: d_max (`abs_over_sum` = A / s). Then
//   |-log(s^) - (-log(s))| = |log(1 + d)| <= -log(1 - d_max)    (d_max < 1),
// about gamma_n: 10 columns of float give 6e-7 absolute, 32000 give 1.9e-3. The log of s^ adds
// log_ulps ULPs of its result, whose magnitude is at most |exact| + that first term.
template <class T>
long double categorical_cross_entropy_onehot_bound(long double exact, std::size_t n, long double abs_over_sum = 1,
                                                   long double log_ulps = nnsimd_budget<T>().log_ulps) {
  const long double d = numerics::gamma<T>(static_cast<long double>(n)) * abs_over_sum;
  if (!(d < 1)) return INFINITY;
  const long double a = -std::log1p(-d);
  return a + log_ulps * numerics::ulp_of<T>(std::fabs(exact) + a);
}

// ---- the ops ------------------------------------------------------------------------------------

// The losses' standard set: 40 rows of 1, 3, 10, 33 and 1000 columns of fill_probabilities' values
// (exact 0 and 1, the clip bounds, subnormals) and uniform labels.
inline std::vector<shape> probability_shapes() {
  std::vector<shape> v;
  for (std::size_t cols : {1, 3, 10, 33, 1000}) v.push_back({40, cols, 0, true});
  return v;
}

template <class T, bool Onehot>
struct cross_entropy_of_probabilities : read_work<T> {
  // The benchmarks' inputs: rows of probabilities (positive, summing to 1), uniform labels; one-hot
  // targets built from the labels.
  static void inputs(data<T>& d, std::mt19937_64& g) {
    fill_probability_rows(d, g);
    fill_labels(d, g);
    if (Onehot) onehot_from_labels(d);
    d.losses.allocate(d.rows);
  }
  static std::vector<shape> shapes() { return probability_shapes(); }
  static void standard(data<T>& d, std::mt19937_64& g, bool) {
    fill_probabilities(d.p, d.rows * d.cols, g);
    fill_labels(d, g);
    if (Onehot) onehot_from_labels(d);
    d.losses.allocate(d.rows);
  }
  // Benchmarks: bound by log throughput or the read bandwidth at the working set (mem+log). Sparse: a
  // label, the one probability it picks and the loss per row, and its elements are its rows; one-hot:
  // probabilities and targets side by side (two read streams) and a loss per row.
  static std::vector<named_shape> bench_shapes() { return shape_set(loss_shapes); }
  static constexpr const char* roof = "roof=mem+log";
  static constexpr int read_streams = Onehot ? 2 : 1;
  static double bytes(const args<T>& a) {
    const double e = sizeof(T);
    return Onehot ? e * (2 * double(a.rows) * a.cols + a.rows) : a.rows * (4 + 2 * e);
  }
  static double elements(const args<T>& a) { return Onehot ? double(a.rows) * a.cols : double(a.rows); }

  static void call(const detail::kernel_table<T>& t, const args<T>& a) {
    if constexpr (Onehot)
      t.categorical_cross_entropy_onehot(a.p, a.ldp, a.t, a.ldt, a.losses, a.rows, a.cols, a.eps);
    else
      t.categorical_cross_entropy(a.p, a.ldp, a.labels, a.losses, a.rows, a.cols, a.eps);
  }
  template <class V>
  static bool check(const args<T>& a, const budget& b, const sample&, V&& visit) {
    for (std::size_t i = 0; i < a.rows; ++i) {
      const T* pi = a.p + i * a.ldp;
      wide want;
      long double bound;
      if constexpr (Onehot) {
        want = categorical_cross_entropy_onehot_row(pi, a.t + i * a.ldt, a.cols, a.eps);
        bound = categorical_cross_entropy_onehot_bound<T>(want, a.cols, 1, b.log_ulps);
      } else {
        want = categorical_cross_entropy_one(pi[a.labels[i]], a.eps);
        bound = categorical_cross_entropy_bound<T>(want, b.log_ulps);
      }
      if (!visit(element{"loss", i, 0, a.losses[i], want, bound})) return false;
    }
    return true;
  }

 private:
  static void onehot_from_labels(data<T>& d) {
    d.t.allocate(d.rows * d.cols);  // zeroed
    for (std::size_t i = 0; i < d.rows; ++i) d.t[i * d.cols + d.labels[i]] = T(1);
  }
};

template <class T>
struct categorical_cross_entropy : cross_entropy_of_probabilities<T, false> {};
template <class T>
struct categorical_cross_entropy_onehot : cross_entropy_of_probabilities<T, true> {};

}  // namespace nnsimd::spec
