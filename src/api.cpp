// The public API: validate, then one indirect call into the active ISA's kernel table. Nothing else.
// Each entry point first clears FTZ/DAZ (fp_scope), so validation and kernels see IEEE subnormals
// whatever the caller set (a subnormal eps is not zero).
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <new>
#include <limits>
#include <string>
#include <vector>

#include "fpenv.hpp"
#include "nnsimd/detail/kernel_table.hpp"
#include "nnsimd/nnsimd.hpp"

namespace nnsimd {
namespace {

std::string shape(const char* name, std::size_t rows, std::size_t cols) {
  return std::string(name) + " (" + std::to_string(rows) + " x " + std::to_string(cols) + ")";
}

[[noreturn]] void fail(const char* fn, const std::string& what) { throw error(std::string("nnsimd::") + fn + ": " + what); }

template <class T>
void check_view(const char* fn, const char* name, const matrix_view<T>& v) {
  if (v.ld < v.cols)
    fail(fn, shape(name, v.rows, v.cols) + " has row stride " + std::to_string(v.ld) + " < cols");
  if (v.data == nullptr && v.rows != 0 && v.cols != 0) fail(fn, shape(name, v.rows, v.cols) + " has a null data pointer");
  // (rows - 1) * ld + cols elements must fit in the address space: a larger view cannot describe real
  // memory and comes from a size that wrapped around (rows * cols computed without an overflow check).
  const std::size_t max_elems = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max()) / sizeof(T);
  if (v.rows != 0 && v.cols != 0 && (v.cols > max_elems || v.rows - 1 > (max_elems - v.cols) / v.ld))
    fail(fn, shape(name, v.rows, v.cols) + " with row stride " + std::to_string(v.ld) +
                 " spans more memory than an address space holds");
}

template <class T>
void check_span(const char* fn, const char* name, std::span<T> s, std::size_t want) {
  if (s.size() != want)
    fail(fn, std::string(name) + " has " + std::to_string(s.size()) + " elements, expected " + std::to_string(want));
  if (s.data() == nullptr && want != 0) fail(fn, std::string(name) + " has a null data pointer");
}

template <class A, class B>
void check_same_shape(const char* fn, const char* na, const matrix_view<A>& a, const char* nb, const matrix_view<B>& b) {
  if (a.rows != b.rows || a.cols != b.cols)
    fail(fn, shape(nb, b.rows, b.cols) + " does not match " + shape(na, a.rows, a.cols));
}

// Byte ranges [first row, end of last row) of two views overlap.
template <class A, class B>
bool overlap(const matrix_view<A>& a, const matrix_view<B>& b) {
  if (a.size() == 0 || b.size() == 0) return false;
  const char* a0 = reinterpret_cast<const char*>(a.data);
  const char* a1 = reinterpret_cast<const char*>(a.data + (a.rows - 1) * a.ld + a.cols);
  const char* b0 = reinterpret_cast<const char*>(b.data);
  const char* b1 = reinterpret_cast<const char*>(b.data + (b.rows - 1) * b.ld + b.cols);
  return a0 < b1 && b0 < a1;
}

// Elementwise kernels allow y == x exactly (in place), but no partial overlap.
template <class T>
void check_inplace_or_disjoint(const char* fn, const_matrix_view<T> x, matrix_view<T> y) {
  if (overlap(x, y) && !(x.data == y.data && x.ld == y.ld))
    fail(fn, "y partially overlaps x; pass the same view for in-place, or disjoint memory");
}

void check_labels(const char* fn, std::span<const std::int32_t> labels, std::size_t rows, std::size_t classes) {
  check_span(fn, "labels", labels, rows);
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || static_cast<std::size_t>(labels[i]) >= classes)
      fail(fn, "labels[" + std::to_string(i) + "] = " + std::to_string(labels[i]) + " is outside [0, " +
                   std::to_string(classes) + ")");
}

void check_classes(const char* fn, const char* name, std::size_t rows, std::size_t cols) {
  if (rows != 0 && cols == 0) fail(fn, shape(name, rows, cols) + " has no columns; a row needs at least one class");
}

template <class T>
void check_dense(const char* fn, const_matrix_view<T> x, const_matrix_view<T> w, std::span<const T> b,
                 matrix_view<T> y) {
  check_view(fn, "x", x);
  check_view(fn, "w", w);
  check_view(fn, "y", y);
  if (w.rows != x.cols)
    fail(fn, shape("w", w.rows, w.cols) + " needs " + std::to_string(x.cols) + " rows to match " + shape("x", x.rows, x.cols));
  check_span(fn, "b", b, w.cols);
  if (y.rows != x.rows || y.cols != w.cols)
    fail(fn, shape("y", y.rows, y.cols) + " must be " + std::to_string(x.rows) + " x " + std::to_string(w.cols));
  const matrix_view<const T> bv(b.data(), b.empty() ? 0 : 1, b.size());
  if (overlap(y, x) || overlap(y, w) || overlap(y, bv)) fail(fn, "y overlaps an input (x, w or b)");
}

template <class T>
T mean_of(const detail::kernel_table<T>& t, const T* losses, std::size_t n) {
  if (n == 0) return std::numeric_limits<T>::quiet_NaN();
  return static_cast<T>(t.sum(losses, n) / static_cast<double>(n));
}

// Per-sample losses go to the caller's span, or to scratch when the caller only wants the mean.
template <class T>
T* loss_buffer(const char* fn, std::span<T> losses, std::size_t rows, std::vector<T>& scratch) {
  if (losses.empty() && rows != 0) {
    scratch.resize(rows);
    return scratch.data();
  }
  check_span(fn, "losses", losses, rows);
  return losses.data();
}

template <class T>
void check_eps(const char* fn, T eps) {
  if (!(eps > T(0) && eps < T(0.5))) fail(fn, "eps = " + std::to_string(eps) + " is outside (0, 0.5)");
}

}  // namespace

template <class T>
void dense_forward(const_matrix_view<T> x, const_matrix_view<T> w, std::span<const T> b, matrix_view<T> y) {
  const detail::fp_scope fp;
  check_dense("dense_forward", x, w, b, y);
  if (y.size() == 0) return;  // rows of nothing: the reference would still walk every row
  detail::active_table<T>().dense_forward(x.data, x.ld, w.data, w.ld, b.data(), y.data, y.ld, x.rows, x.cols, w.cols);
}

template <class T>
void dense_relu(const_matrix_view<T> x, const_matrix_view<T> w, std::span<const T> b, matrix_view<T> y) {
  const detail::fp_scope fp;
  check_dense("dense_relu", x, w, b, y);
  if (y.size() == 0) return;
  detail::active_table<T>().dense_relu(x.data, x.ld, w.data, w.ld, b.data(), y.data, y.ld, x.rows, x.cols, w.cols);
}

template <class T>
void packed_dense<T>::aligned_free::operator()(T* p) const noexcept {
  ::operator delete[](p, std::align_val_t{64});
}

template <class T>
packed_dense<T>::packed_dense(const_matrix_view<T> w, std::span<const T> b) {
  const detail::fp_scope fp;
  check_view("packed_dense", "w", w);
  check_span("packed_dense", "b", b, w.cols);
  isa_ = active_isa();
  const auto& t = detail::table<T>(isa_);
  n_in_ = w.rows;
  n_out_ = w.cols;
  size_ = t.dense_packed_size(n_in_, n_out_);
  // Raw storage for the ISA's own layout (which may hold objects other than T); at least one cache line.
  data_.reset(static_cast<T*>(::operator new[](std::max<std::size_t>(size_, 1) * sizeof(T), std::align_val_t{64})));
  t.dense_pack(w.data, w.ld, b.data(), n_in_, n_out_, data_.get());
}

namespace {
template <class T>
const detail::kernel_table<T>& check_packed(const char* fn, const_matrix_view<T> x, const packed_dense<T>& layer,
                                            matrix_view<T> y) {
  if (layer.data() == nullptr) fail(fn, "the packed layer is empty (moved from)");
  check_view(fn, "x", x);
  check_view(fn, "y", y);
  if (x.cols != layer.n_inputs())
    fail(fn, shape("x", x.rows, x.cols) + " needs " + std::to_string(layer.n_inputs()) +
                 " columns to match the packed layer (" + std::to_string(layer.n_inputs()) + " -> " +
                 std::to_string(layer.n_neurons()) + ")");
  if (y.rows != x.rows || y.cols != layer.n_neurons())
    fail(fn, shape("y", y.rows, y.cols) + " must be " + std::to_string(x.rows) + " x " + std::to_string(layer.n_neurons()));
  const matrix_view<const T> pv(layer.data(), layer.size() == 0 ? 0 : 1, layer.size());
  if (overlap(y, x) || overlap(y, pv)) fail(fn, "y overlaps x or the packed layer");
  const isa now = active_isa();
  if (now != layer.target())
    fail(fn, "the layer was packed for " + std::string(to_string(layer.target())) + " but the active ISA is " +
                 std::string(to_string(now)) + "; pack it again after changing the ISA cap");
  return detail::table<T>(now);
}
}  // namespace

template <class T>
void dense_forward(const_matrix_view<T> x, const packed_dense<T>& layer, matrix_view<T> y) {
  const detail::fp_scope fp;
  const auto& table = check_packed("dense_forward", x, layer, y);
  if (y.size() == 0) return;
  table.dense_packed_forward(x.data, x.ld, layer.data(), y.data, y.ld, x.rows, x.cols, layer.n_neurons());
}

template <class T>
void dense_relu(const_matrix_view<T> x, const packed_dense<T>& layer, matrix_view<T> y) {
  const detail::fp_scope fp;
  const auto& table = check_packed("dense_relu", x, layer, y);
  if (y.size() == 0) return;
  table.dense_packed_relu(x.data, x.ld, layer.data(), y.data, y.ld, x.rows, x.cols, layer.n_neurons());
}

template <class T>
void relu(const_matrix_view<T> x, matrix_view<T> y) {
  const detail::fp_scope fp;
  check_view("relu", "x", x);
  check_view("relu", "y", y);
  check_same_shape("relu", "x", x, "y", y);
  check_inplace_or_disjoint("relu", x, y);
  if (x.size() == 0) return;
  detail::active_table<T>().relu(x.data, x.ld, y.data, y.ld, x.rows, x.cols);
}

template <class T>
void softmax(const_matrix_view<T> x, matrix_view<T> y) {
  const detail::fp_scope fp;
  check_view("softmax", "x", x);
  check_view("softmax", "y", y);
  check_same_shape("softmax", "x", x, "y", y);
  check_classes("softmax", "x", x.rows, x.cols);
  check_inplace_or_disjoint("softmax", x, y);
  detail::active_table<T>().softmax(x.data, x.ld, y.data, y.ld, x.rows, x.cols);
}

template <class T>
void clip(const_matrix_view<T> x, matrix_view<T> y, T lo, T hi) {
  const detail::fp_scope fp;
  check_view("clip", "x", x);
  check_view("clip", "y", y);
  check_same_shape("clip", "x", x, "y", y);
  check_inplace_or_disjoint("clip", x, y);
  if (!(lo <= hi)) fail("clip", "lo = " + std::to_string(lo) + " must be <= hi = " + std::to_string(hi));
  if (x.size() == 0) return;
  detail::active_table<T>().clip(x.data, x.ld, y.data, y.ld, x.rows, x.cols, lo, hi);
}

template <class T>
T categorical_cross_entropy(const_matrix_view<T> probs, std::span<const std::int32_t> labels, std::span<T> losses,
                            T eps) {
  const detail::fp_scope fp;
  const char* fn = "categorical_cross_entropy";
  check_view(fn, "probs", probs);
  check_classes(fn, "probs", probs.rows, probs.cols);
  check_labels(fn, labels, probs.rows, probs.cols);
  check_eps(fn, eps);
  std::vector<T> scratch;
  T* out = loss_buffer(fn, losses, probs.rows, scratch);
  const auto& t = detail::active_table<T>();
  t.categorical_cross_entropy(probs.data, probs.ld, labels.data(), out, probs.rows, probs.cols, eps);
  return mean_of(t, out, probs.rows);
}

template <class T>
T categorical_cross_entropy(const_matrix_view<T> probs, const_matrix_view<T> onehot, std::span<T> losses, T eps) {
  const detail::fp_scope fp;
  const char* fn = "categorical_cross_entropy";
  check_view(fn, "probs", probs);
  check_view(fn, "onehot", onehot);
  check_same_shape(fn, "probs", probs, "onehot", onehot);
  check_classes(fn, "probs", probs.rows, probs.cols);
  check_eps(fn, eps);
  std::vector<T> scratch;
  T* out = loss_buffer(fn, losses, probs.rows, scratch);
  const auto& t = detail::active_table<T>();
  t.categorical_cross_entropy_onehot(probs.data, probs.ld, onehot.data, onehot.ld, out, probs.rows, probs.cols, eps);
  return mean_of(t, out, probs.rows);
}

template <class T>
T softmax_cross_entropy(const_matrix_view<T> logits, std::span<const std::int32_t> labels, std::span<T> losses) {
  const detail::fp_scope fp;
  const char* fn = "softmax_cross_entropy";
  check_view(fn, "logits", logits);
  check_classes(fn, "logits", logits.rows, logits.cols);
  check_labels(fn, labels, logits.rows, logits.cols);
  std::vector<T> scratch;
  T* out = loss_buffer(fn, losses, logits.rows, scratch);
  const auto& t = detail::active_table<T>();
  t.softmax_cross_entropy(logits.data, logits.ld, labels.data(), out, logits.rows, logits.cols);
  return mean_of(t, out, logits.rows);
}

template <class T>
double accuracy(const_matrix_view<T> scores, std::span<const std::int32_t> labels) {
  const detail::fp_scope fp;
  const char* fn = "accuracy";
  check_view(fn, "scores", scores);
  check_classes(fn, "scores", scores.rows, scores.cols);
  check_labels(fn, labels, scores.rows, scores.cols);
  if (scores.rows == 0) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t hits = detail::active_table<T>().accuracy(scores.data, scores.ld, labels.data(), scores.rows, scores.cols);
  return static_cast<double>(hits) / static_cast<double>(scores.rows);
}

template <class T>
double accuracy(const_matrix_view<T> scores, const_matrix_view<T> onehot) {
  const detail::fp_scope fp;
  const char* fn = "accuracy";
  check_view(fn, "scores", scores);
  check_view(fn, "onehot", onehot);
  check_same_shape(fn, "scores", scores, "onehot", onehot);
  check_classes(fn, "scores", scores.rows, scores.cols);
  if (scores.rows == 0) return std::numeric_limits<double>::quiet_NaN();
  const auto& t = detail::active_table<T>();
  std::vector<std::int32_t> labels(scores.rows);
  t.argmax(onehot.data, onehot.ld, labels.data(), onehot.rows, onehot.cols);
  return static_cast<double>(t.accuracy(scores.data, scores.ld, labels.data(), scores.rows, scores.cols)) /
         static_cast<double>(scores.rows);
}

template <class T>
void argmax(const_matrix_view<T> x, std::span<std::int32_t> out) {
  const detail::fp_scope fp;
  check_view("argmax", "x", x);
  check_classes("argmax", "x", x.rows, x.cols);
  check_span("argmax", "out", out, x.rows);
  if (x.cols > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    fail("argmax", shape("x", x.rows, x.cols) + " has more columns than an int32 index can hold");
  detail::active_table<T>().argmax(x.data, x.ld, out.data(), x.rows, x.cols);
}

namespace {
// What both forms of forward_pass check beyond their layers: x against the first layer's inputs, the
// labels against the second layer's outputs, and the optional outputs. Returns where the per-sample
// losses go (loss_buffer: the caller's span, or `scratch`).
template <class T>
T* check_forward(const char* fn, const_matrix_view<T> x, std::size_t n_in, std::size_t n_hidden, std::size_t n_out,
                 std::span<const std::int32_t> labels, std::span<T> losses, matrix_view<T> probs, T eps,
                 std::initializer_list<const_matrix_view<T>> inputs, std::vector<T>& scratch) {
  check_view(fn, "x", x);
  check_view(fn, "probs", probs);
  if (x.cols != n_in)
    fail(fn, shape("x", x.rows, x.cols) + " needs " + std::to_string(n_in) + " columns to match the first layer (" +
                 std::to_string(n_in) + " -> " + std::to_string(n_hidden) + ")");
  if (n_hidden == 0) fail(fn, "the first layer has no neurons; the hidden layer needs at least one");
  if (n_out == 0) fail(fn, "the second layer has no neurons; a row needs at least one class");
  check_labels(fn, labels, x.rows, n_out);
  check_eps(fn, eps);
  const bool want_probs = probs.data != nullptr || probs.rows != 0 || probs.cols != 0;
  if (want_probs && (probs.rows != x.rows || probs.cols != n_out))
    fail(fn, shape("probs", probs.rows, probs.cols) + " must be " + std::to_string(x.rows) + " x " +
                 std::to_string(n_out) + " (or empty, to skip it)");
  const matrix_view<const T> lv(losses.data(), losses.empty() ? 0 : 1, losses.size());
  for (const auto& in : inputs)
    if (overlap(probs, in) || overlap(lv, in)) fail(fn, "probs or losses overlap an input");
  if (overlap(probs, lv)) fail(fn, "probs and losses overlap");
  return loss_buffer(fn, losses, x.rows, scratch);
}

template <class T>
forward_result<T> forward_result_of(const detail::kernel_table<T>& t, const T* losses, std::size_t hits,
                                    std::size_t rows) {
  if (rows == 0) return {std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  return {mean_of(t, losses, rows), static_cast<double>(hits) / static_cast<double>(rows)};
}
}  // namespace

template <class T>
forward_result<T> forward_pass(const_matrix_view<T> x, const packed_dense<T>& layer1, const packed_dense<T>& layer2,
                               std::span<const std::int32_t> labels, std::span<T> losses, matrix_view<T> probs,
                               T eps) {
  const detail::fp_scope fp;
  const char* fn = "forward_pass";
  if (layer1.data() == nullptr || layer2.data() == nullptr) fail(fn, "a packed layer is empty (moved from)");
  if (layer2.n_inputs() != layer1.n_neurons())
    fail(fn, "the second layer takes " + std::to_string(layer2.n_inputs()) + " inputs but the first gives " +
                 std::to_string(layer1.n_neurons()));
  const matrix_view<const T> p1(layer1.data(), 1, layer1.size()), p2(layer2.data(), 1, layer2.size());
  std::vector<T> scratch;
  T* out = check_forward(fn, x, layer1.n_inputs(), layer1.n_neurons(), layer2.n_neurons(), labels, losses, probs,
                         eps, {x, p1, p2}, scratch);
  const isa now = active_isa();
  for (const packed_dense<T>* l : {&layer1, &layer2})
    if (l->target() != now)
      fail(fn, "a layer was packed for " + std::string(to_string(l->target())) + " but the active ISA is " +
                   std::string(to_string(now)) + "; pack it again after changing the ISA cap");
  const auto& t = detail::table<T>(now);
  const std::size_t hits = x.rows == 0 ? 0
                           : t.forward_pass_packed(x.data, x.ld, layer1.data(), layer2.data(), labels.data(), out,
                                                   probs.data, probs.ld, x.rows, x.cols, layer1.n_neurons(),
                                                   layer2.n_neurons(), eps);
  return forward_result_of(t, out, hits, x.rows);
}

template <class T>
forward_result<T> forward_pass(const_matrix_view<T> x, const_matrix_view<T> w1, std::span<const T> b1,
                               const_matrix_view<T> w2, std::span<const T> b2, std::span<const std::int32_t> labels,
                               std::span<T> losses, matrix_view<T> probs, T eps) {
  const detail::fp_scope fp;
  const char* fn = "forward_pass";
  check_view(fn, "w1", w1);
  check_view(fn, "w2", w2);
  if (w2.rows != w1.cols)
    fail(fn, shape("w2", w2.rows, w2.cols) + " needs " + std::to_string(w1.cols) + " rows to match " +
                 shape("w1", w1.rows, w1.cols));
  check_span(fn, "b1", b1, w1.cols);
  check_span(fn, "b2", b2, w2.cols);
  const matrix_view<const T> b1v(b1.data(), b1.empty() ? 0 : 1, b1.size()), b2v(b2.data(), b2.empty() ? 0 : 1, b2.size());
  std::vector<T> scratch;
  T* out = check_forward(fn, x, w1.rows, w1.cols, w2.cols, labels, losses, probs, eps, {x, w1, w2, b1v, b2v}, scratch);
  const auto& t = detail::active_table<T>();
  const std::size_t hits = x.rows == 0 ? 0
                           : t.forward_pass(x.data, x.ld, w1.data, w1.ld, b1.data(), w2.data, w2.ld, b2.data(),
                                            labels.data(), out, probs.data, probs.ld, x.rows, x.cols, w1.cols, w2.cols,
                                            eps);
  return forward_result_of(t, out, hits, x.rows);
}

#define NNSIMD_INSTANTIATE(T)                                                                                  \
  template void dense_forward<T>(const_matrix_view<T>, const_matrix_view<T>, std::span<const T>, matrix_view<T>); \
  template void dense_relu<T>(const_matrix_view<T>, const_matrix_view<T>, std::span<const T>, matrix_view<T>);    \
  template class packed_dense<T>;                                                                              \
  template void dense_forward<T>(const_matrix_view<T>, const packed_dense<T>&, matrix_view<T>);               \
  template void dense_relu<T>(const_matrix_view<T>, const packed_dense<T>&, matrix_view<T>);                  \
  template void relu<T>(const_matrix_view<T>, matrix_view<T>);                                                 \
  template void softmax<T>(const_matrix_view<T>, matrix_view<T>);                                              \
  template void clip<T>(const_matrix_view<T>, matrix_view<T>, T, T);                                           \
  template T categorical_cross_entropy<T>(const_matrix_view<T>, std::span<const std::int32_t>, std::span<T>, T); \
  template T categorical_cross_entropy<T>(const_matrix_view<T>, const_matrix_view<T>, std::span<T>, T);        \
  template T softmax_cross_entropy<T>(const_matrix_view<T>, std::span<const std::int32_t>, std::span<T>);      \
  template double accuracy<T>(const_matrix_view<T>, std::span<const std::int32_t>);                            \
  template double accuracy<T>(const_matrix_view<T>, const_matrix_view<T>);                                     \
  template void argmax<T>(const_matrix_view<T>, std::span<std::int32_t>);                                      \
  template forward_result<T> forward_pass<T>(const_matrix_view<T>, const packed_dense<T>&, const packed_dense<T>&,   \
                                             std::span<const std::int32_t>, std::span<T>, matrix_view<T>, T);        \
  template forward_result<T> forward_pass<T>(const_matrix_view<T>, const_matrix_view<T>, std::span<const T>,         \
                                             const_matrix_view<T>, std::span<const T>, std::span<const std::int32_t>, \
                                             std::span<T>, matrix_view<T>, T);

NNSIMD_INSTANTIATE(float)
NNSIMD_INSTANTIATE(double)
#undef NNSIMD_INSTANTIATE

}  // namespace nnsimd
