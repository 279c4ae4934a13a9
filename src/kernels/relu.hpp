// relu: y = max(0, x) elementwise (relu_op is also the activation of dense_relu).
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "kernels/elementwise.hpp"

namespace nnsimd::kernels {

// relu(x) = x < 0 ? 0 : x, NaN kept as NumPy keeps it, -0 kept as -0 (np.maximum(0, -0.0) is -0.0).
// x86: MAXPS/MAXPD return their SECOND operand when either is NaN and when both are zeros, so
// max(0, x) is exactly that expression in one instruction (compare + blend is two; at 4 Ki floats in L1
// the two-op version ran at 61% of copy bandwidth). Elsewhere (NEON's FMAX propagates NaN but orders
// -0 < +0) the compare and select.
template <class Arch>
struct relu_op {
  template <class V>
  V operator()(V x) const {
    if constexpr (x86_minmax<Arch>)
      return xsimd::max(V(0), x);
    else
      return xsimd::select(x < V(0), V(0), x);
  }
  template <class T>
  T scalar(T x) const {
    return x < T(0) ? T(0) : x;
  }
};

template <class Arch, class T>
void relu(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t cols) {
  map_rows<Arch>(x, ldx, y, ldy, rows, cols, relu_op<Arch>{});
}

}  // namespace nnsimd::kernels
