// sum: x[0] + ... + x[n - 1] accumulated in double, in an order fixed by n alone (the mean losses'
// numerator). n = rows * cols of the case.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "spec/inputs.hpp"
#include "spec/shapes.hpp"
#include "spec/spec.hpp"

namespace nnsimd::spec {

template <class T>
wide sum_exact(const T* x, std::size_t n) {
  wide s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  return s;
}

// n - 1 additions in double, any order, from values exact in double:
// |sum^ - sum| <= gamma_(n-1)^double * sum_i |x_i| (Higham eq. 3.5; 0 for n <= 1).
inline long double sum_bound(long double sum_abs, std::size_t n) {
  return n <= 1 ? 0.0L : numerics::gamma<double>(static_cast<long double>(n - 1)) * sum_abs;
}

template <class T>
struct sum : read_work<T> {
  // Not benchmarked on its own (timed inside the mean losses); inputs as relu's for completeness.
  static void inputs(data<T>& d, std::mt19937_64& g) { fill_uniform(d.x, d.rows * d.cols, -1, 1, g); }
  // The standard set: 1, 2, 7, 300, 1001 and 100000 loss-like values (>= 0).
  static std::vector<shape> shapes() {
    std::vector<shape> v;
    for (std::size_t n : {1, 2, 7, 300, 1001, 100000}) v.push_back({n, 1, 0, true});
    return v;
  }
  static void standard(data<T>& d, std::mt19937_64& g, bool) {
    fill_probabilities(d.x, d.rows * d.cols, g);
    for (std::size_t i = 0; i < d.x.n; ++i) d.x[i] = -std::log(std::max(d.x[i], T(1e-7)));
  }
  // Benchmarks: none of its own (an internal helper of the mean losses, timed inside them).
  static std::vector<named_shape> bench_shapes() { return {}; }
  static constexpr const char* roof = "roof=mem";
  static double bytes(const args<T>& a) { return double(sizeof(T)) * double(a.rows) * a.cols; }
  static void call(const detail::kernel_table<T>& t, const args<T>& a) { *a.total = t.sum(a.x, a.rows * a.cols); }
  template <class V>
  static bool check(const args<T>& a, const budget&, const sample&, V&& visit) {
    const std::size_t n = a.rows * a.cols;
    wide abs_sum = 0;
    for (std::size_t i = 0; i < n; ++i) abs_sum += std::fabs(wide(a.x[i]));
    return visit(element{"sum", 0, n, static_cast<long double>(*a.total), sum_exact(a.x, n), sum_bound(abs_sum, n), true});
  }
};

}  // namespace nnsimd::spec
