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
struct accuracy : argmax_family<T> {
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
