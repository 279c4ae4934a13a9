// clip: y = min(max(x, lo), hi) elementwise; NaN stays NaN (as numpy.clip); lo <= hi. Exact.
#pragma once

#include <cmath>

#include "spec/relu.hpp"
#include "spec/spec.hpp"

namespace nnsimd::spec {

template <class T>
wide clip_exact(T v, T lo, T hi) {
  return std::isnan(v) ? wide(v) : (v < lo ? wide(lo) : (v > hi ? wide(hi) : wide(v)));
}

// The benchmarks' inputs: the book's bounds [1e-7, 1 - 1e-7] (data's defaults), values in [-0.5, 1.5),
// beyond both. Otherwise as relu (elementwise_op).
template <class T>
struct clip : elementwise_op<T, clip<T>, -1, 3> {
  static wide exact(T v, const args<T>& a) { return clip_exact(v, a.lo, a.hi); }
  static void call(const detail::kernel_table<T>& t, const args<T>& a) {
    t.clip(a.x, a.ldx, a.y, a.ldy, a.rows, a.cols, a.lo, a.hi);
  }
};

}  // namespace nnsimd::spec
