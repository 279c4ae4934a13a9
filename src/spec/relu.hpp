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

// What relu and clip share: the benchmarks' inputs uniform in [Lo, Hi) at the element counts of the
// elems set, the standard set of mixed magnitudes with the adversarial values spread in, and the copy
// bandwidth as their ceiling. Op::exact(x, a) is the exact result of one element.
template <class T, class Op, int Lo2, int Hi2>  // the uniform range [Lo2 / 2, Hi2 / 2)
struct elementwise_op : copy_work<T> {
  static void inputs(data<T>& d, std::mt19937_64& g) {
    fill_uniform(d.x, d.rows * d.cols, Lo2 / 2.0, Hi2 / 2.0, g);
    d.y.allocate(d.rows * d.cols);
  }
  static std::vector<shape> shapes() { return elementwise_shapes(); }
  static void standard(data<T>& d, std::mt19937_64& g, bool specials) {
    fill_mixed(d.x, d.rows * d.cols, g, specials);
    d.y.allocate(d.rows * d.cols);
  }
  static std::vector<named_shape> bench_shapes() { return elem_shapes(); }
  static constexpr const char* roof = "roof=mem";
  template <class V>
  static bool check(const args<T>& a, const budget&, const sample&, V&& visit) {
    return visit_exact(a, [&](std::size_t i, std::size_t j) { return Op::exact(a.x[i * a.ldx + j], a); }, visit);
  }
};

// The benchmarks' inputs: uniform in [-1, 1).
template <class T>
struct relu : elementwise_op<T, relu<T>, -2, 2> {
  static wide exact(T v, const args<T>&) { return relu_exact(v); }
  static void call(const detail::kernel_table<T>& t, const args<T>& a) {
    t.relu(a.x, a.ldx, a.y, a.ldy, a.rows, a.cols);
  }
};

}  // namespace nnsimd::spec
