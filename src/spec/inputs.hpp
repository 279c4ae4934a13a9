// The input generators the specifications share: the benchmarks' ordinary values and the standard set's
// values with adversarial ones spread in (nnsimd accuracy and the tests). Seeded, so every ISA and run
// sees the same inputs.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "spec/spec.hpp"

namespace nnsimd::spec {

// ---- ordinary values (the benchmarks time these) ------------------------------------------------

// n values uniform in [a, b).
template <class T>
void fill_uniform(buffer<T>& buf, std::size_t n, double a, double b, std::mt19937_64& g) {
  buf.allocate(n);
  std::uniform_real_distribution<double> u(a, b);
  for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<T>(u(g));
}

// One label per row, uniform in [0, cols).
template <class T>
void fill_labels(data<T>& d, std::mt19937_64& g) {
  d.labels.allocate(d.rows);
  std::uniform_int_distribution<std::int32_t> u(0, static_cast<std::int32_t>(d.cols) - 1);
  for (std::size_t i = 0; i < d.rows; ++i) d.labels[i] = u(g);
}

// Rows of probabilities: positive, summing to 1, as a softmax would give.
template <class T>
void fill_probability_rows(data<T>& d, std::mt19937_64& g) {
  fill_uniform(d.p, d.rows * d.cols, 0, 1, g);
  for (std::size_t i = 0; i < d.rows; ++i) {
    T* r = d.p.get() + i * d.cols;
    double sum = 0;
    for (std::size_t j = 0; j < d.cols; ++j) sum += r[j];
    for (std::size_t j = 0; j < d.cols; ++j) r[j] = static_cast<T>(r[j] / sum);
  }
}

// ---- the standard set: adversarial values -------------------------------------------------------

template <class T>
std::vector<T> adversarial() {
  using L = std::numeric_limits<T>;
  return {T(1e4),  T(-1e4), T(88.5), T(-103), L::max(), -L::max(), -L::infinity(), L::infinity(), L::quiet_NaN(),
          L::denorm_min(), -L::denorm_min(), L::min() / T(3), L::min(), T(0), T(-0.0), T(1), T(1e-7), T(1) - T(1e-7),
          T(0.5), T(-1)};
}

// n values: random normals at magnitudes 10^[-3, 3], with the adversarial values spread in.
template <class T>
void fill_mixed(buffer<T>& buf, std::size_t n, std::mt19937_64& g, bool specials) {
  buf.allocate(n);
  std::normal_distribution<double> nd;
  std::uniform_int_distribution<int> mag(-3, 3);
  for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<T>(nd(g) * std::pow(10.0, mag(g)));
  if (specials) {
    const auto a = adversarial<T>();
    for (std::size_t k = 0; k < a.size() && k * 7 < n; ++k) buf[k * 7] = a[k];
  }
}

// Logit rows for softmax, the fused loss, argmax and accuracy: random, all-equal, huge spread, +-1e4,
// 88.5, -103, -inf entries, +-max, a NaN row, a +inf row, an all -inf row (rows >= 10).
template <class T>
void fill_logits(buffer<T>& buf, std::size_t rows, std::size_t cols, std::mt19937_64& g) {
  using L = std::numeric_limits<T>;
  buf.allocate(rows * cols);
  std::normal_distribution<double> nd;
  for (std::size_t i = 0; i < rows * cols; ++i) buf[i] = static_cast<T>(3 * nd(g));
  auto row = [&](std::size_t r) { return buf.get() + r * cols; };
  std::size_t r = 0;
  std::fill(row(r), row(r) + cols, T(0.25)); ++r;          // all equal: exactly 1/cols each
  std::fill(row(r), row(r) + cols, T(-1e4)); row(r)[cols / 2] = T(1e4); ++r;  // one-hot-like
  row(r)[0] = T(88.5); row(r)[cols - 1] = T(-103); ++r;
  row(r)[1 % cols] = -L::infinity(); ++r;
  row(r)[0] = L::max(); row(r)[cols - 1] = -L::max(); ++r;
  for (std::size_t j = 0; j < cols; ++j) row(r)[j] = static_cast<T>(j) * T(-20);  // spread: tiny probabilities
  ++r;
  row(r)[0] = L::denorm_min(); ++r;
  row(r)[cols / 3] = L::quiet_NaN(); ++r;                 // NaN row -> all NaN
  row(r)[cols / 2] = L::infinity(); ++r;                  // +inf row -> all NaN
  std::fill(row(r), row(r) + cols, -L::infinity()); ++r;  // all -inf -> all NaN
}

// Probabilities for the losses: softmax-like magnitudes 2^[-40, 0], with exact 0 and 1, 1e-7,
// 1 - 1e-7, subnormals.
template <class T>
void fill_probabilities(buffer<T>& buf, std::size_t n, std::mt19937_64& g) {
  buf.allocate(n);
  std::uniform_real_distribution<double> ud(0, 1);
  std::uniform_int_distribution<int> ex(0, 40);
  for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<T>(ud(g) * std::pow(2.0, -ex(g)));
  const T special[] = {T(0), T(1), T(1e-7), T(1) - T(1e-7), std::numeric_limits<T>::denorm_min(), T(0.5),
                       T(1e-30), T(0.99999)};
  for (std::size_t k = 0; k < n; k += 5) buf[k] = special[(k / 5) % 8];
}

// Shared by relu and clip: the elementwise ops' standard set is 9 rows of 1, 7, 16, 67 and 1000
// columns of mixed magnitudes with the adversarial values spread in.
inline std::vector<shape> elementwise_shapes() {
  std::vector<shape> v;
  for (std::size_t cols : {1, 7, 16, 67, 1000}) v.push_back({9, cols, 0, true});
  return v;
}

}  // namespace nnsimd::spec
