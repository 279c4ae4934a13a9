// The scalar reference: the book's formulas written as plain loops, one element at a time.
//
// It is the baseline every speed-up is measured against, and it is compiled twice:
//   * src/reference/reference.cpp, with vectorization disabled: nnsimd's isa::scalar;
//   * bench/autovec_<isa>.cpp, at -O3 with that ISA's flags: what the compiler gives for free.
// Each copy instantiates the templates with its own Flavor tag, so the copies never share a symbol.
// Like the book (NumPy), it computes in the element type T, single thread, no blocking, no tricks.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace nnsimd::reference {

// np.dot(inputs, weights) + biases
template <class Flavor, class T>
void dense_forward(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, T* y, std::size_t ldy,
                   std::size_t rows, std::size_t n_in, std::size_t n_out) {
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < n_out; ++j) {
      T dot = 0;
      for (std::size_t k = 0; k < n_in; ++k) dot += x[i * ldx + k] * w[k * ldw + j];
      y[i * ldy + j] = dot + b[j];
    }
}

// np.maximum(0, x): NaN propagates (x > 0 is false for NaN, and so is x < 0).
template <class Flavor, class T>
inline T relu_one(T v) {
  return v < T(0) ? T(0) : v;
}

template <class Flavor, class T>
void dense_relu(const T* x, std::size_t ldx, const T* w, std::size_t ldw, const T* b, T* y, std::size_t ldy,
                std::size_t rows, std::size_t n_in, std::size_t n_out) {
  dense_forward<Flavor, T>(x, ldx, w, ldw, b, y, ldy, rows, n_in, n_out);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < n_out; ++j) y[i * ldy + j] = relu_one<Flavor>(y[i * ldy + j]);
}

// The reference's packed layer is w (n_in x n_out, contiguous) followed by b: the same loops on a copy.
template <class Flavor, class T>
std::size_t dense_packed_size(std::size_t n_in, std::size_t n_out) {
  return n_in * n_out + n_out;
}

template <class Flavor, class T>
void dense_pack(const T* w, std::size_t ldw, const T* b, std::size_t n_in, std::size_t n_out, T* packed) {
  for (std::size_t k = 0; k < n_in; ++k)
    for (std::size_t j = 0; j < n_out; ++j) packed[k * n_out + j] = w[k * ldw + j];
  for (std::size_t j = 0; j < n_out; ++j) packed[n_in * n_out + j] = b[j];
}

template <class Flavor, class T>
void dense_packed_forward(const T* x, std::size_t ldx, const T* packed, T* y, std::size_t ldy, std::size_t rows,
                          std::size_t n_in, std::size_t n_out) {
  dense_forward<Flavor, T>(x, ldx, packed, n_out, packed + n_in * n_out, y, ldy, rows, n_in, n_out);
}

template <class Flavor, class T>
void dense_packed_relu(const T* x, std::size_t ldx, const T* packed, T* y, std::size_t ldy, std::size_t rows,
                       std::size_t n_in, std::size_t n_out) {
  dense_relu<Flavor, T>(x, ldx, packed, n_out, packed + n_in * n_out, y, ldy, rows, n_in, n_out);
}

template <class Flavor, class T>
void relu(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t cols) {
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) y[i * ldy + j] = relu_one<Flavor>(x[i * ldx + j]);
}

// np.clip(x, lo, hi): NaN propagates.
template <class Flavor, class T>
inline T clip_one(T v, T lo, T hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

template <class Flavor, class T>
void clip(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t cols, T lo, T hi) {
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) y[i * ldy + j] = clip_one<Flavor>(x[i * ldx + j], lo, hi);
}

// exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
// probabilities = exp_values / np.sum(exp_values, axis=1, keepdims=True)
// A NaN anywhere makes the row's sum NaN; +inf - +inf and -inf - -inf are NaN: such rows become all NaN,
// as in NumPy, with no special case.
template <class Flavor, class T>
void softmax(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t cols) {
  for (std::size_t i = 0; i < rows; ++i) {
    const T* xi = x + i * ldx;
    T* yi = y + i * ldy;
    T m = xi[0];
    for (std::size_t j = 1; j < cols; ++j)
      if (xi[j] > m) m = xi[j];
    T s = 0;
    for (std::size_t j = 0; j < cols; ++j) {
      yi[j] = std::exp(xi[j] - m);
      s += yi[j];
    }
    for (std::size_t j = 0; j < cols; ++j) yi[j] = yi[j] / s;
  }
}

// -np.log(np.clip(y_pred, eps, 1 - eps)[range(n), y_true])
template <class Flavor, class T>
void categorical_cross_entropy(const T* p, std::size_t ldp, const std::int32_t* labels, T* losses, std::size_t rows,
                std::size_t cols, T eps) {
  (void)cols;
  for (std::size_t i = 0; i < rows; ++i) losses[i] = -std::log(clip_one<Flavor>(p[i * ldp + labels[i]], eps, T(1) - eps));
}

// -np.log(np.sum(np.clip(y_pred, eps, 1 - eps) * y_true, axis=1))
template <class Flavor, class T>
void categorical_cross_entropy_onehot(const T* p, std::size_t ldp, const T* t, std::size_t ldt, T* losses, std::size_t rows,
                std::size_t cols, T eps) {
  for (std::size_t i = 0; i < rows; ++i) {
    T s = 0;
    for (std::size_t j = 0; j < cols; ++j) s += clip_one<Flavor>(p[i * ldp + j], eps, T(1) - eps) * t[i * ldt + j];
    losses[i] = -std::log(s);
  }
}

// PyTorch's CrossEntropyLoss on logits: logsumexp(x) - x[label], evaluated as
// (max - x[label]) + log(sum(exp(x - max))): the difference first is exact when x[label] is near max.
template <class Flavor, class T>
void softmax_cross_entropy(const T* x, std::size_t ldx, const std::int32_t* labels, T* losses, std::size_t rows,
                        std::size_t cols) {
  for (std::size_t i = 0; i < rows; ++i) {
    const T* xi = x + i * ldx;
    T m = xi[0];
    for (std::size_t j = 1; j < cols; ++j)
      if (xi[j] > m) m = xi[j];
    T s = 0;
    for (std::size_t j = 0; j < cols; ++j) s += std::exp(xi[j] - m);
    losses[i] = (m - xi[labels[i]]) + std::log(s);
  }
}

// np.argmax(x, axis=1): the first index of the maximum; the first NaN, if any, wins.
template <class Flavor, class T>
std::int32_t argmax_row(const T* xi, std::size_t cols) {
  std::size_t best = 0;
  for (std::size_t j = 0; j < cols; ++j) {
    if (std::isnan(xi[j])) return static_cast<std::int32_t>(j);
    if (xi[j] > xi[best]) best = j;
  }
  return static_cast<std::int32_t>(best);
}

template <class Flavor, class T>
void argmax(const T* x, std::size_t ldx, std::int32_t* idx, std::size_t rows, std::size_t cols) {
  for (std::size_t i = 0; i < rows; ++i) idx[i] = argmax_row<Flavor>(x + i * ldx, cols);
}

// np.sum(np.argmax(x, axis=1) == y)
template <class Flavor, class T>
std::size_t accuracy(const T* x, std::size_t ldx, const std::int32_t* labels, std::size_t rows,
                           std::size_t cols) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < rows; ++i) n += argmax_row<Flavor>(x + i * ldx, cols) == labels[i];
  return n;
}

// The sum of the per-sample losses, left to right, in double.
template <class Flavor, class T>
double sum(const T* x, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  return s;
}

// The chapter's script, one layer after the other over the whole batch:
//   dense1.forward(X); activation1.forward(dense1.output); dense2.forward(activation1.output)
//   activation2.forward(dense2.output); loss = loss_function.calculate(activation2.output, y)
//   accuracy = np.mean(np.argmax(activation2.output, axis=1) == y)
// Returns the count of correct rows (the caller divides, as it averages the losses).
template <class Flavor, class T>
std::size_t forward_pass(const T* x, std::size_t ldx, const T* w1, std::size_t ldw1, const T* b1, const T* w2,
                         std::size_t ldw2, const T* b2, const std::int32_t* labels, T* losses, T* probs,
                         std::size_t ldp, std::size_t rows, std::size_t n_in, std::size_t n_hidden,
                         std::size_t n_out, T eps) {
  std::vector<T> hidden(rows * n_hidden), logits(rows * n_out);
  dense_relu<Flavor, T>(x, ldx, w1, ldw1, b1, hidden.data(), n_hidden, rows, n_in, n_hidden);
  dense_forward<Flavor, T>(hidden.data(), n_hidden, w2, ldw2, b2, logits.data(), n_out, rows, n_hidden, n_out);
  T* p = probs ? probs : logits.data();
  const std::size_t ld = probs ? ldp : n_out;
  softmax<Flavor, T>(logits.data(), n_out, p, ld, rows, n_out);
  categorical_cross_entropy<Flavor, T>(p, ld, labels, losses, rows, n_out, eps);
  return accuracy<Flavor, T>(p, ld, labels, rows, n_out);
}

// The reference's packed layers are w then b (dense_pack above).
template <class Flavor, class T>
std::size_t forward_pass_packed(const T* x, std::size_t ldx, const T* packed1, const T* packed2,
                                const std::int32_t* labels, T* losses, T* probs, std::size_t ldp, std::size_t rows,
                                std::size_t n_in, std::size_t n_hidden, std::size_t n_out, T eps) {
  return forward_pass<Flavor, T>(x, ldx, packed1, n_hidden, packed1 + n_in * n_hidden, packed2, n_out,
                                 packed2 + n_hidden * n_out, labels, losses, probs, ldp, rows, n_in, n_hidden, n_out,
                                 eps);
}

}  // namespace nnsimd::reference
