// forward_pass, forward_pass_packed: the chapter's network in one call. Per row, h = relu(x . w1 + b1),
// z = h . w2 + b2, p = softmax(z), loss = -log(clip(p[label], eps, 1 - eps)); the count of rows whose
// argmax(p) is the label.
//
// nnsimd's fused pass is bit-identical to its unfused calls (src/kernels/forward_pass.hpp; the tests
// check that on every ISA). What this specification checks, for any implementation (the peers'
// compositions too), is the composed error bound below against a long-double oracle.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "spec/categorical_cross_entropy.hpp"
#include "spec/dense.hpp"
#include "spec/inputs.hpp"
#include "spec/shapes.hpp"
#include "spec/softmax.hpp"
#include "spec/spec.hpp"

namespace nnsimd::spec {

// ---- oracle and bounds, one row -------------------------------------------------------------------
// The exact row in long double, and the bound of each step for any implementation (u = unit roundoff of
// T, gamma_n = n u / (1 - n u), F = smallest normal, eps the clip bound):
//  1. h_k = relu(sum_i x_i w1_ik + b1_k): |h~_k - h_k| <= dh_k = gamma_(n_in + 1) (sum_i |x_i w1_ik| + |b1_k|)
//     (dense.hpp; relu is 1-Lipschitz).
//  2. z_j = sum_k h_k w2_kj + b2_j computed from h~: |z~_j - z_j| <= dz_j = sum_k dh_k |w2_kj|
//     + gamma_(n_hid + 1) (sum_k (|h_k| + dh_k) |w2_kj| + |b2_j|). D = max_j dz_j.
//  3. log-softmax is 1-Lipschitz in each logit and in their maximum: |log p_l(z~) - log p_l(z)| <= 2 D.
//  4. softmax evaluated on z~ (softmax.hpp): p~_l = p_l(z~) (1 + r) + eta, |r| <= R_l, |eta| <= F + denorm_min,
//     with R_l from the terms of z~, |z~_i - m~| <= |z_i - m| + 2 D, and alpha (a mean of the terms
//     weighted by e_i / S, which move by at most exp(4 D) from z to z~).
//  5. clip is monotone and does not widen a ratio of positive values, so for p_l(z~) >= eps / 2
//     |log clip(p~_l) - log clip(p_l(z~))| <= lambda = -log(1 - R_l - 2 (F + denorm_min) / eps); below eps / 2
//     both clip to eps (R_l < 1/2) and the difference is 0.
//  6. -log of the clipped value: budget::log_ulps ULPs of its result.
//  loss bound = 2 D + lambda + log_ulps ulp(|loss| + 2 D + lambda).
// The argmax of p~ can be any index j with z_j >= max_i z_i - (2 D + 2 lambda_max) (steps 3-5 on both
// p~_j and p~_max); a row with two or more such indices, one of them the label, may count either way:
// the count's bound is the number of those rows.
template <class T>
struct forward_row {
  wide loss;
  long double bound;
  std::int32_t winner;  // argmax of the exact p (first index of the maximum; 0 for a NaN row)
  bool ambiguous;       // the computed argmax may differ from the winner where the label is concerned
};

// Row i of the network whose first layer is a.w, a.ldw, a.b (n_in -> n_hid) and second a.w2, a.b2
// (n_hid -> cols, contiguous).
template <class T>
forward_row<T> forward_pass_row(const args<T>& a, std::size_t i, long double exp_ulps, long double log_ulps) {
  const std::size_t nh = a.n_hid, no = a.cols;
  std::vector<wide> h(nh), z(no);
  std::vector<long double> dh(nh), dz(no);
  const long double g2 = numerics::gamma<T>(static_cast<long double>(nh) + 1);
  for (std::size_t k = 0; k < nh; ++k) {  // step 1: the first layer is a dense layer with ReLU (dense.hpp)
    const dense_exact<T> e = dense_element(a, i, k, true);
    h[k] = e.y;
    dh[k] = dense_bound<T>(e.scale, a.n_in);
  }
  bool nan = false;
  for (std::size_t j = 0; j < no; ++j) {
    wide s = 0, scale = std::fabs(wide(a.b2[j]));
    long double carried = 0;
    for (std::size_t k = 0; k < nh; ++k) {
      const wide wk = a.w2[k * a.cols + j];
      s += h[k] * wk;
      scale += (std::fabs(h[k]) + dh[k]) * std::fabs(wk);
      carried += dh[k] * std::fabs(wk);
    }
    z[j] = s + wide(a.b2[j]);
    dz[j] = carried + g2 * scale;
    nan = nan || std::isnan(z[j]);
  }
  forward_row<T> r{std::numeric_limits<wide>::quiet_NaN(), 0, 0, false};
  if (nan) return r;  // NaN everywhere, argmax 0, as softmax and argmax of a NaN row
  const long double D = *std::max_element(dz.begin(), dz.end());
  const wide m = *std::max_element(z.begin(), z.end());
  r.winner = static_cast<std::int32_t>(std::max_element(z.begin(), z.end()) - z.begin());
  wide S = 0;
  long double weighted = 0, worst_term = 0;
  for (std::size_t j = 0; j < no; ++j) {
    const wide e = std::exp(z[j] - m);
    const long double term = softmax_term_rel<T>(std::fabs(z[j] - m) + 2 * D, exp_ulps);
    S += e;
    weighted += e * term;
    worst_term = std::max(worst_term, term);
  }
  const long double F = std::numeric_limits<T>::min(), dmin = std::numeric_limits<T>::denorm_min();
  const long double alpha = std::exp(4 * D) * weighted / S + static_cast<long double>(no) * F;
  const long double gn = numerics::gamma<T>(static_cast<long double>(no > 1 ? no - 1 : 0));
  const long double eps = a.eps;
  auto lambda_of = [&](long double term) {
    const long double R = (1 + term) * (1 + numerics::gamma<T>(2)) / ((1 - alpha) * (1 - gn)) - 1;
    const long double rho = R + 2 * (F + dmin) / eps;
    return alpha < 1 && rho < 0.5L ? -std::log1p(-rho) : static_cast<long double>(INFINITY);
  };
  const std::size_t l = static_cast<std::size_t>(a.labels[i]);
  const wide p_l = std::exp(z[l] - m) / S;
  r.loss = -std::log(std::clamp(p_l, wide(a.eps), wide(T(1) - a.eps)));  // the bounds rounded to T, as the kernels'
  const long double lambda = lambda_of(softmax_term_rel<T>(std::fabs(z[l] - m) + 2 * D, exp_ulps));
  const long double t1 = 2 * D + lambda;
  r.bound = t1 + log_ulps * numerics::ulp_of<T>(std::fabs(r.loss) + t1);
  const long double gap = 2 * D + 2 * lambda_of(worst_term);
  std::size_t candidates = 0;
  bool label_in = false;
  for (std::size_t j = 0; j < no; ++j)
    if (z[j] >= m - gap) {
      ++candidates;
      label_in = label_in || j == l;
    }
  r.ambiguous = candidates > 1 && label_in;
  return r;
}

// ---- the ops ------------------------------------------------------------------------------------

template <class T, bool Packed>
struct forward_pass_op : op_base<T> {
  static constexpr bool packed = Packed;

  // The benchmarks' inputs: x uniform in [-1, 1), weights uniform with variance 2 / fan-in (He), so the
  // hidden activations and the logits keep unit scale at every width and softmax is neither flat nor
  // one-hot; biases uniform in [-0.1, 0.1); labels uniform.
  static void inputs(data<T>& d, std::mt19937_64& g) {
    const double a1 = std::sqrt(6.0 / double(d.n_in ? d.n_in : 1)), a2 = std::sqrt(6.0 / double(d.n_hid));
    fill_uniform(d.x, d.rows * d.n_in, -1, 1, g);
    fill_uniform(d.w, d.n_in * d.n_hid, -a1, a1, g);
    fill_uniform(d.b, d.n_hid, -0.1, 0.1, g);
    fill_uniform(d.w2, d.n_hid * d.cols, -a2, a2, g);
    fill_uniform(d.b2, d.cols, -0.1, 0.1, g);
    fill_labels(d, g);
    d.losses.allocate(d.rows);
  }

  // The standard set: the book's 2 -> 3 -> 3; odd widths around the vector lengths; a wide hidden layer
  // (the dense kernels' general path, 256 products per logit; the oracle, in IEEE quad on AArch64, runs
  // under qemu in the NEON job: 2.3 M multiply-adds for this shape); adversarial rows in the
  // first three shapes: zero inputs (h = relu(b1)), subnormals, +-1e4 (saturated softmax: the clip
  // binds), a NaN (a NaN row: NaN loss, argmax 0), and labels right on every third row.
  static std::vector<shape> shapes() {
    return {{300, 3, 2, true, 3}, {37, 10, 13, true, 19}, {61, 17, 5, true, 40}, {64, 100, 40, false, 256}};
  }
  static void standard(data<T>& d, std::mt19937_64& g, bool specials) {
    std::normal_distribution<double> nd;
    auto fill = [&](buffer<T>& buf, std::size_t n, double scale) {
      buf.allocate(n);
      for (std::size_t k = 0; k < n; ++k) buf[k] = static_cast<T>(scale * nd(g));
    };
    fill(d.x, d.rows * d.n_in, 1);
    fill(d.w, d.n_in * d.n_hid, 2 / std::sqrt(double(d.n_in)));
    fill(d.b, d.n_hid, 0.5);
    fill(d.w2, d.n_hid * d.cols, 3 / std::sqrt(double(d.n_hid)));
    fill(d.b2, d.cols, 0.5);
    fill_labels(d, g);
    if (specials && d.rows >= 8) {
      using L = std::numeric_limits<T>;
      T* x = d.x.get();
      const std::size_t n = d.n_in;
      std::fill(x, x + n, T(0));
      std::fill(x + n, x + 2 * n, L::denorm_min());
      x[2 * n] = L::min() / T(3);
      for (std::size_t q = 0; q < n; ++q) x[3 * n + q] = q % 2 ? T(1e4) : T(-1e4);
      x[4 * n] = T(1e4);
      x[5 * n + n / 2] = L::quiet_NaN();
      for (std::size_t q = 0; q < n; ++q) x[6 * n + q] = T(-0.0);
    }
    const args<T> a = d.view();  // labels right on every third row: the exact argmax
    for (std::size_t i = 0; i < d.rows; i += 3) d.labels[i] = forward_pass_row(a, i, 1, 1).winner;
    d.losses.allocate(d.rows);
  }

  // Benchmarks: FMA-bound; the two layers' 2 rows (n_in n_hid + n_hid n_out) flops a call (softmax, the
  // loss and the accuracy are O(rows n_out), not counted, as GEMM figures leave out the bias). Bytes: the
  // inputs and weights read once, a loss written per row; the intermediates are not counted (the point
  // of fusing is not to move them).
  static std::vector<named_shape> bench_shapes() { return shape_set(forward_shapes); }
  static constexpr const char* roof = "roof=fma";
  static constexpr const char* mem_mix = nullptr;
  static constexpr int read_streams = 1;
  static double flops(const args<T>& a) {
    return 2.0 * double(a.rows) * (double(a.n_in) * double(a.n_hid) + double(a.n_hid) * double(a.cols));
  }
  static double bytes(const args<T>& a) {
    return double(sizeof(T)) * (double(a.rows) * a.n_in + double(a.n_in) * a.n_hid + a.n_hid +
                                double(a.n_hid) * a.cols + a.cols + a.rows) +
           4.0 * a.rows;
  }
  static double elements(const args<T>& a) { return double(a.rows); }

  static void prepare(const detail::kernel_table<T>& t, data<T>& d) {
    if constexpr (Packed) {
      d.packed.allocate(t.dense_packed_size(d.n_in, d.n_hid));
      t.dense_pack(d.w.get(), d.n_hid, d.b.get(), d.n_in, d.n_hid, d.packed.get());
      d.packed2.allocate(t.dense_packed_size(d.n_hid, d.cols));
      t.dense_pack(d.w2.get(), d.cols, d.b2.get(), d.n_hid, d.cols, d.packed2.get());
    }
  }

  static void call(const detail::kernel_table<T>& t, const args<T>& a) {
    if constexpr (Packed)
      *a.count = t.forward_pass_packed(a.x, a.ldx, a.packed, a.packed2, a.labels, a.losses, nullptr, 0, a.rows,
                                       a.n_in, a.n_hid, a.cols, a.eps);
    else
      *a.count = t.forward_pass(a.x, a.ldx, a.w, a.ldw, a.b, a.w2, a.cols, a.b2, a.labels, a.losses, nullptr, 0,
                                a.rows, a.n_in, a.n_hid, a.cols, a.eps);
  }

  template <class V>
  static bool check(const args<T>& a, const budget& b, const sample& s, V&& visit) {
    // The count needs every row, each costing the oracle n_in n_hid + n_hid n_out multiply-adds: it is
    // checked when the whole batch costs at most 2^25 of them (the book's 300 x 2 -> 3 -> 3, every test
    // shape), otherwise (a benchmark's check of MNIST's widths and beyond, s.rows != 0) only the sampled
    // rows' losses are.
    std::size_t want = 0, ambiguous = 0;
    const std::vector<std::size_t> rows = pick(a.rows, s.rows);
    const bool whole = s.rows == 0 || double(a.rows) * (double(a.n_in) * a.n_hid + double(a.n_hid) * a.cols) <= 0x1p25;
    std::size_t next = 0;
    for (std::size_t i = 0; i < a.rows; ++i) {
      const bool sampled = next < rows.size() && rows[next] == i;
      if (!sampled && !whole) continue;
      const forward_row<T> r = forward_pass_row(a, i, b.exp_ulps, b.log_ulps);
      want += r.winner == a.labels[i];
      ambiguous += r.ambiguous;
      if (sampled) {
        ++next;
        if (!visit(element{"loss", i, 0, a.losses[i], r.loss, r.bound})) return false;
      }
    }
    if (!whole) return true;  // the count of a sample is not the call's count
    return visit(element{"count", 0, a.cols, static_cast<long double>(*a.count), wide(want),
                         static_cast<long double>(ambiguous)});
  }
};

template <class T>
struct forward_pass : forward_pass_op<T, false> {};
template <class T>
struct forward_pass_packed : forward_pass_op<T, true> {};

}  // namespace nnsimd::spec
