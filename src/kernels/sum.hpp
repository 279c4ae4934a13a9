// sum of x[0, n) in double (behind the mean loss).
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

namespace nnsimd::kernels {

// ---- sum -------------------------------------------------------------------------------------------
// sum of x[0, n) in double: 4 independent double vectors (4 x 4-cycle add latency covered), combined as
// (a0 + a1) + (a2 + a3), then hadd, then the scalar remainder in order. The order depends on n (and the
// ISA's lane count) only. Single-threaded: it runs over one value per sample.
template <class Arch, class T>
double sum(const T* x, std::size_t n) {
  using D = xsimd::batch<double, Arch>;
  // static: Clang 14 wants a non-static constexpr local captured when the lambda below sizes an array
  // with it (GCC does not; a static needs no capture).
  static constexpr std::size_t L = D::size;
  // Loads L values of T as doubles (float: the compiler emits one widening convert).
  const auto load = [x](std::size_t i) {
    if constexpr (sizeof(T) == sizeof(double)) {
      return D::load_unaligned(x + i);
    } else {
      alignas(64) double b[L];
      for (std::size_t k = 0; k < L; ++k) b[k] = static_cast<double>(x[i + k]);
      return D::load_aligned(b);
    }
  };
  D a0(0.0), a1(0.0), a2(0.0), a3(0.0);
  std::size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    a0 = a0 + load(i);
    a1 = a1 + load(i + L);
    a2 = a2 + load(i + 2 * L);
    a3 = a3 + load(i + 3 * L);
  }
  for (; i + L <= n; i += L) a0 = a0 + load(i);
  double s = xsimd::hadd((a0 + a1) + (a2 + a3));
  for (; i < n; ++i) s += static_cast<double>(x[i]);
  return s;
}

}  // namespace nnsimd::kernels
