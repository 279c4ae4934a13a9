// accuracy: the number of rows r with argmax(x[r, :]) == labels[r] (the public API divides by rows);
// cols >= 1. Exact.
#pragma once

#include <cstddef>
#include <random>
#include <vector>

#include "spec/argmax.hpp"
#include "spec/shapes.hpp"
#include "spec/spec.hpp"

namespace nnsimd::spec {

template <class T>
struct accuracy {
  static void inputs(data<T>& d, std::mt19937_64& g) { argmax_inputs(d, g); }
  static std::vector<shape> shapes() { return logit_shapes(); }
  static void standard(data<T>& d, std::mt19937_64& g, bool) { argmax_standard(d, g); }
  // Benchmarks: read-bound (the scores and the labels in, an index per row or a count out).
  static std::vector<named_shape> bench_shapes() { return shape_set(argmax_shapes); }
  static constexpr const char* roof = "roof=mem";
  static constexpr const char* mem_mix = "read";
  static constexpr int read_streams = 1;
  static double flops(const args<T>&) { return 0; }
  static double bytes(const args<T>& a) { return double(sizeof(T)) * double(a.rows) * a.cols + 4.0 * a.rows; }
  static double elements(const args<T>& a) { return double(a.rows) * a.cols; }

  static void prepare(const detail::kernel_table<T>&, data<T>&) {}
  static void call(const detail::kernel_table<T>& t, const args<T>& a) {
    *a.count = t.accuracy(a.x, a.ldx, a.labels, a.rows, a.cols);
  }
  template <class V>
  static bool check(const args<T>& a, const budget&, const sample&, V&& visit) {
    std::size_t want = 0;
    for (std::size_t i = 0; i < a.rows; ++i) want += argmax_row(a.x + i * a.ldx, a.cols) == a.labels[i];
    return visit(element{"count", 0, a.cols, static_cast<long double>(*a.count), wide(want), exact_bound});
  }
};

}  // namespace nnsimd::spec
