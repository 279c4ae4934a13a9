// argmax: idx[r] = the first index of the maximum of x[r, :] (a NaN is the maximum, as numpy.argmax);
// cols >= 1. Exact.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "spec/inputs.hpp"
#include "spec/softmax.hpp"
#include "spec/shapes.hpp"
#include "spec/spec.hpp"

namespace nnsimd::spec {

// numpy.argmax: the first index of the maximum; the first NaN wins.
template <class T>
std::int32_t argmax_row(const T* x, std::size_t cols) {
  std::size_t best = 0;
  for (std::size_t j = 0; j < cols; ++j) {
    if (std::isnan(x[j])) return static_cast<std::int32_t>(j);
    if (x[j] > x[best]) best = j;
  }
  return static_cast<std::int32_t>(best);
}

// Shared by argmax and accuracy. The benchmarks' inputs: scores uniform in [-4, 4), labels uniform but
// a third of them right, as a model in training (the count is neither 0 nor rows).
template <class T>
void argmax_inputs(data<T>& d, std::mt19937_64& g) {
  fill_uniform(d.x, d.rows * d.cols, -4, 4, g);
  fill_labels(d, g);
  for (std::size_t i = 0; i < d.rows; i += 3) d.labels[i] = argmax_row(d.x.get() + i * d.cols, d.cols);
  d.idx.allocate(d.rows);
}

// The standard set: logit rows (fill_logits) with exact ties in row 12 (all-equal rows and repeated
// maxima must give the first index); labels right on odd rows, uniform on even ones.
template <class T>
void argmax_standard(data<T>& d, std::mt19937_64& g) {
  fill_logits(d.x, d.rows, d.cols, g);
  for (std::size_t j = 0; j < d.cols; j += 2) d.x[12 * d.cols + j] = T(7);
  d.labels.allocate(d.rows);
  std::uniform_int_distribution<std::int32_t> ld(0, static_cast<std::int32_t>(d.cols) - 1);
  for (std::size_t r = 0; r < d.rows; ++r) d.labels[r] = r % 2 ? argmax_row(d.x.get() + r * d.cols, d.cols) : ld(g);
  d.idx.allocate(d.rows);
}

// What argmax and accuracy share: inputs, shapes and the read bandwidth as their ceiling (the scores and
// the labels in, an index per row or a count out).
template <class T>
struct argmax_family : read_work<T> {
  static void inputs(data<T>& d, std::mt19937_64& g) { argmax_inputs(d, g); }
  static std::vector<shape> shapes() { return logit_shapes(); }
  static void standard(data<T>& d, std::mt19937_64& g, bool) { argmax_standard(d, g); }
  static std::vector<named_shape> bench_shapes() { return shape_set(argmax_shapes); }
  static constexpr const char* roof = "roof=mem";
  static double bytes(const args<T>& a) { return double(sizeof(T)) * double(a.rows) * a.cols + 4.0 * a.rows; }
};

template <class T>
struct argmax : argmax_family<T> {
  static void call(const detail::kernel_table<T>& t, const args<T>& a) { t.argmax(a.x, a.ldx, a.idx, a.rows, a.cols); }
  template <class V>
  static bool check(const args<T>& a, const budget&, const sample&, V&& visit) {
    for (std::size_t i = 0; i < a.rows; ++i)
      if (!visit(element{"idx", i, 0, static_cast<long double>(a.idx[i]), wide(argmax_row(a.x + i * a.ldx, a.cols)),
                         exact_bound}))
        return false;
    return true;
  }
};

}  // namespace nnsimd::spec
