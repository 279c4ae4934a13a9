// The named shape sets of the benchmarks (each op's specification picks its sets: bench_shapes()). Fixed sizes, the same on every machine, so results compare
// across machines and commits (XNNPACK's bench/utils.h does the same for its element counts).
//
//   book      the book's chapter 5 script: batch 300 of 2-D spiral points, dense 2->3 then 3->3,
//             softmax and losses over 300 x 3. Tiny: measures call overhead and tails.
//   mnist     batch 1024 of 28x28 images: dense 784->128 and 128->10; softmax and losses 1024 x 10.
//   imagenet  batch 256 of ResNet-50 features: dense 2048->1000; softmax and losses 256 x 1000.
//   vocab     a language model's output layer, batch 64 over 32000 tokens: softmax and losses.
//   hidden    softmax, argmax and accuracy over 4096 rows of 128 (attention-sized rows; 2 MiB of
//             float, L2 to L3).
//   square    dense 2048 x 2048 x 2048: the GEMM peak (48 MiB of double: DRAM-sized operands).
//   mlp       the forward pass (two layers, softmax, loss, accuracy) at 4096 x 784 -> 1024 -> 1000:
//             32 MiB of float hidden activations and logits, which the unfused calls write and read back.
//   elems     relu and clip over 4 Ki ... 16 Mi elements: from L1-resident (16 KiB of float in, 16 KiB
//             out) through L2 (32 Ki, 256 Ki), L3 (2 Mi = 8 MiB in) to DRAM (16 Mi = 64 MiB in).
//
// Dimensions in the names: dense rows x n_in x n_out; the forward pass rows x n_in x n_hidden x n_out;
// row kernels rows x cols; elems the count.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nnsimd::spec {

struct named_shape {
  const char* set;
  std::size_t rows;
  std::size_t a;  // dense: n_in; row kernels: cols; elems: the row length (see elem_shape)
  std::size_t b;  // dense: n_out; otherwise 0
  std::size_t h = 0;  // the forward pass: n_hidden (a is n_in, b n_out); otherwise 0
};

inline constexpr named_shape dense_shapes[] = {
    {"book", 300, 2, 3},      {"book", 300, 3, 3},           {"mnist", 1024, 784, 128},
    {"mnist", 1024, 128, 10}, {"imagenet", 256, 2048, 1000}, {"square", 2048, 2048, 2048},
};

// The forward pass (forward_pass, forward_pass_packed): the book's 300 x 2 -> 3 -> 3, MNIST's
// 784 -> 128 -> 10, and a wide 784 -> 1024 -> 1000 over 4096 rows.
inline constexpr named_shape forward_shapes[] = {
    {"book", 300, 2, 3, 3}, {"mnist", 1024, 784, 10, 128}, {"mlp", 4096, 784, 1000, 1024}};

// softmax: the loss shapes plus two row shapes of its own.
inline constexpr named_shape softmax_shapes[] = {
    {"book", 300, 3, 0},      {"mnist", 1024, 10, 0}, {"hidden", 4096, 128, 0},
    {"imagenet", 256, 1000, 0}, {"vocab", 64, 32000, 0},
};

// categorical_cross_entropy, categorical_cross_entropy_onehot, softmax_cross_entropy.
inline constexpr named_shape loss_shapes[] = {
    {"book", 300, 3, 0}, {"mnist", 1024, 10, 0}, {"imagenet", 256, 1000, 0}, {"vocab", 64, 32000, 0}};

// argmax, accuracy: the loss shapes plus hidden (many short rows: the index pass dominates).
inline constexpr named_shape argmax_shapes[] = {{"book", 300, 3, 0},         {"mnist", 1024, 10, 0},
                                          {"hidden", 4096, 128, 0},    {"imagenet", 256, 1000, 0},
                                          {"vocab", 64, 32000, 0}};

// relu and clip: n elements stored as (n / 1024) contiguous rows of 1024, which every implementation
// sees as one contiguous span.
inline constexpr std::size_t elem_row = 1024;
inline constexpr std::size_t elem_counts[] = {std::size_t{4} << 10, std::size_t{32} << 10, std::size_t{256} << 10,
                                              std::size_t{2} << 20, std::size_t{16} << 20};
constexpr named_shape elem_shape(std::size_t n) { return {"elems", n / elem_row, elem_row, 0}; }

inline std::vector<named_shape> shape_set(std::span<const named_shape> s) { return {s.begin(), s.end()}; }

inline std::vector<named_shape> elem_shapes() {
  std::vector<named_shape> v;
  for (std::size_t n : elem_counts) v.push_back(elem_shape(n));
  return v;
}

// A dense shape (b != 0) is rows x n_in -> n_out; the others are rows x cols (elems: n / 1024 rows of
// 1024).
constexpr bool is_dense_shape(const named_shape& s) { return s.b != 0; }

// The <dims> of a benchmark name: dense rows x n_in x n_out, elems the count, others rows x cols.
inline std::string dims_of(const named_shape& s) {
  if (s.h != 0)
    return std::to_string(s.rows) + "x" + std::to_string(s.a) + "x" + std::to_string(s.h) + "x" + std::to_string(s.b);
  if (is_dense_shape(s)) return std::to_string(s.rows) + "x" + std::to_string(s.a) + "x" + std::to_string(s.b);
  if (std::string_view(s.set) == "elems") return std::to_string(s.rows * s.a);
  return std::to_string(s.rows) + "x" + std::to_string(s.a);
}

}  // namespace nnsimd::spec
