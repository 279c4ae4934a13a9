// The book's data, bit for bit: NumPy's legacy random generator as `nnfs.init()` leaves it, nnfs 0.5.1's
// spiral_data(samples, classes), and the chapter's weight initialization 0.01 * randn(n_in, n_out).
//
// Used by `nnsimd demo` (which must print the book's loss 1.0986104 and accuracy 0.34) and by the
// benchmarks (the book's batch, 300 x 2). Everything here is plain scalar double/float arithmetic in the
// order NumPy performs it, compiled at the baseline ISA; the library's kernels are not involved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace nnsimd::data {

// numpy.random.RandomState after np.random.seed(seed) (the legacy generator behind np.random.randn):
//   * MT19937 seeded with init_genrand(seed), the same state as std::mt19937(seed);
//   * a uniform double from two 32-bit draws a, b: ((a >> 5) * 2^26 + (b >> 6)) / 2^53;
//   * a normal by the Marsaglia polar method, which makes two normals per accepted pair: it returns
//     f * x2 and caches f * x1 for the next call (NumPy's has_gauss / gauss).
class numpy_legacy_rng {
 public:
  explicit numpy_legacy_rng(std::uint32_t seed = 0) { reseed(seed); }
  // np.random.seed(seed): new MT state and the cached normal dropped.
  void reseed(std::uint32_t seed);
  std::uint32_t next_u32() { return static_cast<std::uint32_t>(mt_()); }
  // np.random.random_sample(): [0, 1) with 53 random bits.
  double next_double();
  // np.random.standard_normal() / one element of np.random.randn(): a double.
  double gauss();

 private:
  std::mt19937 mt_;
  bool has_gauss_ = false;
  double gauss_ = 0.0;
};

// nnfs.init() patches np.random.randn to return float32: each double normal rounded to float.
std::vector<float> randn_f32(numpy_legacy_rng& rng, std::size_t n);

// nnfs.datasets.spiral_data(samples, classes) under nnfs.init(): X is (samples * classes) x 2 float32,
// row-major; y holds the class of each row (uint8 in nnfs; int32 here, as the API takes labels).
// For class c, in order: r = linspace(0, 1, samples), t = linspace(4c, 4(c + 1), samples)
// + randn(samples) * 0.2 (randn float32, times 0.2 in float32, added in float64), then
// X = [r sin(2.5 t), r cos(2.5 t)] computed in float64 and rounded to float32.
struct spiral_set {
  std::size_t samples = 0, classes = 0;
  std::vector<float> X;          // (samples * classes) x 2
  std::vector<std::int32_t> y;   // samples * classes
  std::size_t rows() const { return samples * classes; }
};
spiral_set spiral_data(numpy_legacy_rng& rng, std::size_t samples, std::size_t classes);

// Layer_Dense(n_in, n_out).weights = 0.01 * np.random.randn(n_in, n_out): float32 normals times 0.01
// in float32 (NumPy casts the Python scalar to the array's float32), n_in x n_out row-major.
std::vector<float> dense_weights(numpy_legacy_rng& rng, std::size_t n_in, std::size_t n_out);

// The chapter-5 full script's inputs, drawn in the script's order from one generator seeded with 0:
// spiral_data(samples, classes), then dense1 = Layer_Dense(2, hidden), then dense2 =
// Layer_Dense(hidden, classes). Biases are zero (np.zeros, float32). The book: samples 100, classes 3,
// hidden 3.
struct book_inputs {
  spiral_set data;
  std::size_t hidden = 0;
  std::vector<float> w1, b1;  // 2 x hidden, hidden
  std::vector<float> w2, b2;  // hidden x classes, classes
};
book_inputs chapter5_inputs(std::size_t samples = 100, std::size_t classes = 3, std::size_t hidden = 3,
                            std::uint32_t seed = 0);

}  // namespace nnsimd::data
