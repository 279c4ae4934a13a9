// NumPy's legacy generator and nnfs's spiral data, in NumPy's order of operations (see spiral.hpp).
// This file must not be compiled with -ffast-math or FMA contraction (the project builds in ISO C++
// mode, where GCC defaults to -ffp-contract=off): x1*x1 + x2*x2 and r*sin(t) must round like NumPy's C.
#include "data/spiral.hpp"

#include <cmath>

namespace nnsimd::data {

void numpy_legacy_rng::reseed(std::uint32_t seed) {
  mt_.seed(seed);  // std::mt19937's seeding is MT19937's init_genrand, which NumPy calls for an int seed
  has_gauss_ = false;
  gauss_ = 0.0;
}

double numpy_legacy_rng::next_double() {
  const std::uint32_t a = next_u32() >> 5;  // 27 bits
  const std::uint32_t b = next_u32() >> 6;  // 26 bits
  return (a * 67108864.0 + b) / 9007199254740992.0;  // (a * 2^26 + b) / 2^53
}

double numpy_legacy_rng::gauss() {
  if (has_gauss_) {
    has_gauss_ = false;
    const double g = gauss_;
    gauss_ = 0.0;
    return g;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * next_double() - 1.0;
    x2 = 2.0 * next_double() - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  const double f = std::sqrt(-2.0 * std::log(r2) / r2);
  gauss_ = f * x1;
  has_gauss_ = true;
  return f * x2;
}

std::vector<float> randn_f32(numpy_legacy_rng& rng, std::size_t n) {
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.gauss());
  return v;
}

namespace {
// numpy.linspace(start, stop, num) in float64: start + i * ((stop - start) / (num - 1)), with the last
// element set to stop exactly (NumPy 1.2x's formula; num == 1 gives [start]).
std::vector<double> linspace(double start, double stop, std::size_t num) {
  std::vector<double> v(num);
  if (num == 0) return v;
  if (num == 1) {
    v[0] = start;
    return v;
  }
  const double step = (stop - start) / static_cast<double>(num - 1);
  for (std::size_t i = 0; i < num; ++i) v[i] = static_cast<double>(i) * step + start;
  v[num - 1] = stop;
  return v;
}
}  // namespace

spiral_set spiral_data(numpy_legacy_rng& rng, std::size_t samples, std::size_t classes) {
  spiral_set s;
  s.samples = samples;
  s.classes = classes;
  s.X.assign(samples * classes * 2, 0.0f);
  s.y.assign(samples * classes, 0);
  for (std::size_t c = 0; c < classes; ++c) {
    const std::vector<double> r = linspace(0.0, 1.0, samples);
    std::vector<double> t = linspace(4.0 * static_cast<double>(c), 4.0 * static_cast<double>(c + 1), samples);
    const std::vector<float> noise = randn_f32(rng, samples);
    for (std::size_t i = 0; i < samples; ++i) {
      // randn(samples) * 0.2: a float32 array times a Python float stays float32; then float64 + float32.
      t[i] = t[i] + static_cast<double>(noise[i] * 0.2f);
      const double a = t[i] * 2.5;
      const std::size_t row = c * samples + i;
      s.X[row * 2 + 0] = static_cast<float>(r[i] * std::sin(a));
      s.X[row * 2 + 1] = static_cast<float>(r[i] * std::cos(a));
      s.y[row] = static_cast<std::int32_t>(c);
    }
  }
  return s;
}

std::vector<float> dense_weights(numpy_legacy_rng& rng, std::size_t n_in, std::size_t n_out) {
  std::vector<float> w = randn_f32(rng, n_in * n_out);
  for (auto& v : w) v = 0.01f * v;
  return w;
}

book_inputs chapter5_inputs(std::size_t samples, std::size_t classes, std::size_t hidden, std::uint32_t seed) {
  numpy_legacy_rng rng(seed);
  book_inputs in;
  in.data = spiral_data(rng, samples, classes);
  in.hidden = hidden;
  in.w1 = dense_weights(rng, 2, hidden);
  in.b1.assign(hidden, 0.0f);
  in.w2 = dense_weights(rng, hidden, classes);
  in.b2.assign(classes, 0.0f);
  return in;
}

}  // namespace nnsimd::data
