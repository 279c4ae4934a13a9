// The oracle: every kernel computed in long double (x87 extended, 64-bit significand on x86-64; on
// AArch64 long double is IEEE quad), from inputs of type T. Its own rounding error is below 2^-60
// relative for the sizes we test, far under one ULP of float or double, so errors measured against it
// are the kernel's. Used by the tests and by `nnsimd accuracy`.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace nnsimd::numerics {

using wide = long double;

// Same layout conventions as kernels.def; outputs are long double, contiguous (ld = cols).
template <class T>
std::vector<wide> dense_forward(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, std::size_t rows,
                                std::size_t n_in, std::size_t n_out, bool relu = false) {
  std::vector<wide> y(rows * n_out);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < n_out; ++j) {
      wide s = 0;
      for (std::size_t k = 0; k < n_in; ++k) s += wide(x[i * ldx + k]) * wide(w[k * ldw + j]);
      s += wide(b[j]);
      y[i * n_out + j] = relu && s < 0 ? wide(0) : s;
    }
  return y;
}

// The forward-error scale of one dense output: sum_k |x_ik w_kj| + |b_j|. A recursive or blocked sum of
// n products in precision u with FMA or not has |error| <= gamma_(n+1) * this, gamma_m = m u / (1 - m u)
// (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5).
template <class T>
std::vector<wide> dense_abs_scale(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b,
                                  std::size_t rows, std::size_t n_in, std::size_t n_out) {
  std::vector<wide> s(rows * n_out);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < n_out; ++j) {
      wide a = std::fabs(wide(b[j]));
      for (std::size_t k = 0; k < n_in; ++k) a += std::fabs(wide(x[i * ldx + k]) * wide(w[k * ldw + j]));
      s[i * n_out + j] = a;
    }
  return s;
}

template <class T>
wide relu(T v) {
  return std::isnan(v) ? wide(v) : (v < 0 ? wide(0) : wide(v));
}

template <class T>
wide clip(T v, T lo, T hi) {
  return std::isnan(v) ? wide(v) : (v < lo ? wide(lo) : (v > hi ? wide(hi) : wide(v)));
}

// Softmax of one row in long double. NaN / +inf / all -inf rows give all NaN, as NumPy.
template <class T>
std::vector<wide> softmax_row(const T* x, std::size_t cols) {
  std::vector<wide> y(cols);
  wide m = -std::numeric_limits<wide>::infinity();
  bool nan = false;
  for (std::size_t j = 0; j < cols; ++j) {
    if (std::isnan(x[j])) nan = true;
    if (wide(x[j]) > m) m = x[j];
  }
  if (nan || std::isinf(m)) {
    for (auto& v : y) v = std::numeric_limits<wide>::quiet_NaN();
    return y;
  }
  wide s = 0;
  for (std::size_t j = 0; j < cols; ++j) s += (y[j] = std::exp(wide(x[j]) - m));
  for (auto& v : y) v /= s;
  return y;
}

// logsumexp(x) - x[label], as (m - x[label]) + log(sum exp(x - m)): m + log(s) first would lose log(s)
// next to |m| = FLT_MAX even in long double.
template <class T>
wide softmax_cross_entropy_row(const T* x, std::size_t cols, std::int32_t label) {
  wide m = -std::numeric_limits<wide>::infinity();
  bool nan = false;
  for (std::size_t j = 0; j < cols; ++j) {
    if (std::isnan(x[j])) nan = true;
    if (wide(x[j]) > m) m = x[j];
  }
  if (nan || std::isinf(m)) return std::numeric_limits<wide>::quiet_NaN();
  wide s = 0;
  for (std::size_t j = 0; j < cols; ++j) s += std::exp(wide(x[j]) - m);
  return (m - wide(x[label])) + std::log(s);
}

// -log(clip(p, eps, 1 - eps)), the bounds rounded to T as the kernels do.
template <class T>
wide categorical_cross_entropy_one(T p, T eps) {
  return -std::log(clip<T>(p, eps, T(1) - eps));
}

template <class T>
wide categorical_cross_entropy_onehot_row(const T* p, const T* t, std::size_t cols, T eps) {
  wide s = 0;
  for (std::size_t j = 0; j < cols; ++j) s += clip<T>(p[j], eps, T(1) - eps) * wide(t[j]);
  return -std::log(s);
}

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

template <class T>
wide sum(const T* x, std::size_t n) {
  wide s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  return s;
}

}  // namespace nnsimd::numerics
