// nnsimd: the forward pass of chapter 5 of "Neural Networks from Scratch" as SIMD kernels.
//
// Every function validates its arguments (throwing nnsimd::error with a message that names the argument
// and the sizes), then makes one indirect call into the kernel table of the active ISA (see isa.hpp).
// Matrices are row-major views with a row stride; rows are the batch. float and double are supported.
//
// Results do not depend on the floating-point environment left by the caller: the kernels clear
// flush-to-zero and denormals-are-zero for their duration, on every thread they use.
//
// Empty batch (rows == 0): elementwise kernels and dense do nothing; the mean losses and the accuracy
// are NaN, as numpy.mean of an empty array is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "nnsimd/isa.hpp"
#include "nnsimd/view.hpp"

namespace nnsimd {

// ---------------------------------------------------------------------------------------------------
// Threading. Kernels split the batch rows over OpenMP threads only when a call's work reaches the
// parallel threshold, so small batches never pay for a parallel region. A call's work is its estimated
// single-thread time in picoseconds (each kernel's per-row cost, measured on AVX-512 and written next to
// its call site in src/kernels/; doubled for double), so one threshold fits every kernel. For a given
// ISA, every result is bit-identical for every thread count.

// Threads used above the threshold; 0 means OpenMP's default (OMP_NUM_THREADS or the core count).
void set_num_threads(int threads);
// The thread count in effect (1 when built without OpenMP).
int num_threads();
// The work (estimated picoseconds of one thread) below which a call stays on the calling thread. Above
// it, a call uses the thread count that minimizes its estimated time, each extra thread costing
// threshold / 2: a thread's share is at least threshold / 2, and rows split unevenly need more.
// 0 splits every call that has at least two row blocks.
void set_parallel_threshold(std::size_t work);
std::size_t parallel_threshold();
// The default: 10 us. An empty parallel region costs 1-2 us (libgomp, 2-core KVM guest), and at 10 us of
// single-thread work every kernel gains 1.15x (the skinny dense) to 1.7x from a second thread, while the
// book's calls (0.1-1 us) stay far below it. The per-kernel crossover measurements are in the commit
// that set it (git log -S default_parallel_threshold include/nnsimd/nnsimd.hpp).
inline constexpr std::size_t default_parallel_threshold = 10'000'000;

// ---------------------------------------------------------------------------------------------------
// Layers.

// y = x . w + b: x is batch x n_inputs, w is n_inputs x n_neurons (the book's layout), b holds n_neurons
// values, y is batch x n_neurons. y must not overlap x, w or b.
template <class T>
void dense_forward(const_matrix_view<T> x, const_matrix_view<T> w, std::span<const T> b, matrix_view<T> y);

// relu(x . w + b) in one pass over y.
template <class T>
void dense_relu(const_matrix_view<T> x, const_matrix_view<T> w, std::span<const T> b, matrix_view<T> y);

// A dense layer's weights and biases packed once, for layers that serve many batches (inference, or the
// forward passes between two weight updates): dense_forward(x, layer, y) then skips reading w in its
// row-major layout and copying it into the kernel's panels on every call, as oneDNN's and XNNPACK's
// prepacked weights do. The layer owns a copy; later changes to w or b do not reach it.
//
// The layout belongs to the ISA that was active when the layer was packed (target()). Calling it after
// set_isa_cap / reset_isa_cap changed the active ISA throws nnsimd::error: pack the layer again. Results
// are bit-identical to dense_forward / dense_relu with the same w and b on that ISA.
template <class T>
class packed_dense {
 public:
  // Throws nnsimd::error if b does not hold w.cols values or a view is invalid.
  packed_dense(const_matrix_view<T> w, std::span<const T> b);

  std::size_t n_inputs() const noexcept { return n_in_; }
  std::size_t n_neurons() const noexcept { return n_out_; }
  isa target() const noexcept { return isa_; }
  // The packed buffer and its size in elements (an opaque layout).
  const T* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }

 private:
  struct aligned_free {
    void operator()(T* p) const noexcept;
  };
  std::unique_ptr<T, aligned_free> data_;
  std::size_t size_ = 0, n_in_ = 0, n_out_ = 0;
  isa isa_ = isa::scalar;
};

// y = x . w + b with a packed layer: x is batch x layer.n_inputs(), y is batch x layer.n_neurons(), and
// y must not overlap x. Throws nnsimd::error on a moved-from layer or another ISA than target().
template <class T>
void dense_forward(const_matrix_view<T> x, const packed_dense<T>& layer, matrix_view<T> y);

// relu(x . w + b) with a packed layer.
template <class T>
void dense_relu(const_matrix_view<T> x, const packed_dense<T>& layer, matrix_view<T> y);

// y = max(0, x), elementwise; NaN stays NaN (as numpy.maximum). y may be x (in place).
template <class T>
void relu(const_matrix_view<T> x, matrix_view<T> y);

// Numerically stable softmax of each row: exp(x - rowmax) / sum(exp(x - rowmax)). A row holding a NaN
// or +inf, or only -inf, becomes all NaN (as NumPy's). y may be x (in place).
template <class T>
void softmax(const_matrix_view<T> x, matrix_view<T> y);

// y = min(max(x, lo), hi), elementwise; NaN stays NaN (as numpy.clip). Requires lo <= hi. y may be x.
// The default bounds are the book's 1e-7 and 1 - 1e-7, both rounded to T.
template <class T>
void clip(const_matrix_view<T> x, matrix_view<T> y, T lo = T(1e-7), T hi = T(1) - T(1e-7));

// ---------------------------------------------------------------------------------------------------
// Losses. Each writes the per-sample losses into `losses` (one per row; pass an empty span to skip) and
// returns their mean. Probabilities are clipped to [eps, 1 - eps] inside, as the book does.

// -log(clip(p[i, labels[i]])) per sample; labels in [0, classes).
template <class T>
T categorical_cross_entropy(const_matrix_view<T> probs, std::span<const std::int32_t> labels,
                            std::span<T> losses = {}, T eps = T(1e-7));

// -log(sum_j clip(p[i, j]) * onehot[i, j]) per sample; onehot has the shape of probs.
template <class T>
T categorical_cross_entropy(const_matrix_view<T> probs, const_matrix_view<T> onehot,
                            std::span<T> losses = {}, T eps = T(1e-7));

// Fused log-softmax cross-entropy on logits (PyTorch's CrossEntropyLoss, mean reduction):
// logsumexp(x[i, :]) - x[i, labels[i]] per sample. No clipping is needed.
template <class T>
T softmax_cross_entropy(const_matrix_view<T> logits, std::span<const std::int32_t> labels,
                        std::span<T> losses = {});

// ---------------------------------------------------------------------------------------------------
// Accuracy: mean(argmax(row) == label). The first index of the maximum wins and a NaN counts as the
// maximum (as numpy.argmax).

template <class T>
double accuracy(const_matrix_view<T> scores, std::span<const std::int32_t> labels);
// One-hot (or any score) labels are reduced to their argmax first, as the book does.
template <class T>
double accuracy(const_matrix_view<T> scores, const_matrix_view<T> onehot);

// The row-wise argmax, written to out (one index per row).
template <class T>
void argmax(const_matrix_view<T> x, std::span<std::int32_t> out);

// ---------------------------------------------------------------------------------------------------
// The chapter's forward pass in one call: dense (n_inputs -> n_hidden) + ReLU, dense (n_hidden ->
// classes), softmax, the categorical cross-entropy with sparse labels, and the accuracy, as the book's
// script computes them:
//   h = relu(x . w1 + b1); p = softmax(h . w2 + b2); loss = mean(-log(clip(p[i, labels[i]], eps, 1 - eps)));
//   accuracy = mean(argmax(p[i, :]) == labels[i])
// The rows run in blocks whose hidden activations and logits stay in cache: they are never written to
// memory. Every result (the per-sample losses, the probabilities, the mean loss and the accuracy) is
// bit-identical to the five separate calls dense_relu, dense_forward, softmax,
// categorical_cross_entropy and accuracy on the same ISA, at every thread count.
template <class T>
struct forward_result {
  T loss;           // the mean loss (NaN for an empty batch)
  double accuracy;  // the fraction of rows whose argmax is the label (NaN for an empty batch)
};

// With the layers packed once (packed_dense), for repeated calls: layer1 is n_inputs -> n_hidden,
// layer2 n_hidden -> classes. `losses` (one per row) and `probs` (batch x classes) are optional
// outputs: pass empty ones to skip them. Throws nnsimd::error on mismatched shapes, a label outside
// [0, classes), a layer packed for another ISA or moved from, or outputs that overlap the inputs.
template <class T>
forward_result<T> forward_pass(const_matrix_view<T> x, const packed_dense<T>& layer1, const packed_dense<T>& layer2,
                               std::span<const std::int32_t> labels, std::span<T> losses = {},
                               matrix_view<T> probs = {}, T eps = T(1e-7));

// With the weights as the book holds them: w1 is n_inputs x n_hidden, w2 n_hidden x classes. Both
// layers are packed on each call (as dense_forward packs its weights when the batch amortizes it).
template <class T>
forward_result<T> forward_pass(const_matrix_view<T> x, const_matrix_view<T> w1, std::span<const T> b1,
                               const_matrix_view<T> w2, std::span<const T> b2, std::span<const std::int32_t> labels,
                               std::span<T> losses = {}, matrix_view<T> probs = {}, T eps = T(1e-7));

}  // namespace nnsimd
