// relu: y = max(0, x) elementwise; NaN stays NaN (as numpy.maximum). Exact.
#pragma once

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "spec/inputs.hpp"
#include "spec/shapes.hpp"
#include "spec/spec.hpp"

namespace nnsimd::spec {

template <class T>
wide relu_exact(T v) {
  return std::isnan(v) ? wide(v) : (v < 0 ? wide(0) : wide(v));
}

template <class T>
struct relu {
  // The benchmarks' inputs: uniform in [-1, 1).
  static void inputs(data<T>& d, std::mt19937_64& g) {
    fill_uniform(d.x, d.rows * d.cols, -1, 1, g);
    d.y.allocate(d.rows * d.cols);
  }
  static std::vector<shape> shapes() { return elementwise_shapes(); }
  static void standard(data<T>& d, std::mt19937_64& g, bool specials) {
    fill_mixed(d.x, d.rows * d.cols, g, specials);
    d.y.allocate(d.rows * d.cols);
  }
  // Benchmarks: memory-bound, as much written as read: held to the copy bandwidth at the working set.
  static std::vector<named_shape> bench_shapes() { return elem_shapes(); }
  static constexpr const char* roof = "roof=mem";
  static constexpr const char* mem_mix = "copy";
  static constexpr int read_streams = 1;
  static double flops(const args<T>&) { return 0; }
  static double bytes(const args<T>& a) { return double(sizeof(T)) * 2 * double(a.rows) * a.cols; }
  static double elements(const args<T>& a) { return double(a.rows) * a.cols; }

  static void prepare(const detail::kernel_table<T>&, data<T>&) {}
  static void call(const detail::kernel_table<T>& t, const args<T>& a) {
    t.relu(a.x, a.ldx, a.y, a.ldy, a.rows, a.cols);
  }
  template <class V>
  static bool check(const args<T>& a, const budget&, const sample&, V&& visit) {
    for (std::size_t i = 0; i < a.rows; ++i)
      for (std::size_t j = 0; j < a.cols; ++j)
        if (!visit(element{"y", i, j, a.y[i * a.ldy + j], relu_exact(a.x[i * a.ldx + j]), exact_bound})) return false;
    return true;
  }
};

}  // namespace nnsimd::spec
