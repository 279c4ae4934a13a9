// `nnsimd demo`: the chapter-5 full script of "Neural Networks from Scratch", in C++ through the public
// API, once per implementation (the scalar reference and every ISA this machine runs):
//
//   nnfs.init(); X, y = spiral_data(samples=100, classes=3)
//   dense1 = Layer_Dense(2, 3); activation1 = ReLU; dense2 = Layer_Dense(3, 3); activation2 = Softmax
//   print(activation2.output[:5]); print('loss:', loss); print('acc:', accuracy)
//
// The book prints loss: 1.0986104 and acc: 0.34.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "commands.hpp"
#include "data/spiral.hpp"
#include "format.hpp"
#include "numerics/ulp.hpp"

namespace nnsimd::cli {

namespace {

struct forward_result {
  isa target = isa::scalar;
  std::vector<float> probs;  // rows x classes
  std::vector<float> losses;
  float loss = 0;       // np.mean of the per-sample losses, as the book
  float nnsimd_mean = 0;  // the library's mean (double accumulation)
  double acc = 0;
  double seconds = 0;
};

struct demo_options {
  std::size_t samples = 100, classes = 3, hidden = 3;
  int threads = 0, repeat = 5;
  std::optional<std::string> only;
};

// The script's forward pass. Buffers are allocated by the caller so the timed part is the kernels.
struct network {
  const data::book_inputs& in;
  std::vector<float> h1, z2, probs, losses;
  explicit network(const data::book_inputs& b)
      : in(b), h1(b.data.rows() * b.hidden), z2(b.data.rows() * b.data.classes), probs(z2.size()),
        losses(b.data.rows()) {}

  std::pair<float, double> forward() {
    const std::size_t n = in.data.rows(), c = in.data.classes, h = in.hidden;
    const_matrix_view<float> X(in.data.X.data(), n, 2);
    const_matrix_view<float> W1(in.w1.data(), 2, h), W2(in.w2.data(), h, c);
    matrix_view<float> H1(h1.data(), n, h), Z2(z2.data(), n, c), P(probs.data(), n, c);
    dense_forward<float>(X, W1, in.b1, H1);  // dense1.forward(X)
    relu<float>(H1, H1);                     // activation1.forward(dense1.output)
    dense_forward<float>(H1, W2, in.b2, Z2);  // dense2.forward(activation1.output)
    softmax<float>(Z2, P);                    // activation2.forward(dense2.output)
    const float loss = categorical_cross_entropy<float>(P, in.data.y, losses);  // loss_function
    const double acc = accuracy<float>(P, in.data.y);                   // mean(argmax == y)
    return {loss, acc};
  }
};

// np.mean of a float32 array, as the book's Loss.calculate computes it: NumPy sums float32 in float32,
// pairwise (blocks of at most 128 summed with 8 interleaved accumulators, larger ranges split in halves
// at a multiple of 8), over buffers of 8192 elements added in order, then divides in float32. Checked
// against np.mean for n = 1..400, 1000, 3000, 10007.
//
// Why not the library's mean: nnsimd accumulates the losses in double and rounds once, so its mean is
// the correctly rounded one. For the book's 300 losses that is 1.0986105 (exact mean of NumPy's own
// float32 losses: 1.09861046672); NumPy's float32 accumulation gives the 1.0986104 the book prints.
float numpy_pairwise(const float* a, std::size_t n) {
  if (n < 8) {
    float r = 0;
    for (std::size_t i = 0; i < n; ++i) r += a[i];
    return r;
  }
  if (n <= 128) {
    float r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return numpy_pairwise(a, n2) + numpy_pairwise(a + n2, n - n2);
}

float numpy_mean(const std::vector<float>& v) {
  float s = 0;
  for (std::size_t i = 0; i < v.size(); i += 8192) s += numpy_pairwise(v.data() + i, std::min<std::size_t>(8192, v.size() - i));
  return s / static_cast<float>(v.size());
}

std::uint32_t bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

int demo(const demo_options& o) {
  if (o.samples == 0 || o.classes == 0 || o.hidden == 0) {
    std::fprintf(stderr, "nnsimd demo: --samples, --classes and --hidden must be at least 1\n");
    return kExitBadInput;
  }
  set_num_threads(o.threads);
  const data::book_inputs in = data::chapter5_inputs(o.samples, o.classes, o.hidden);
  const bool book = o.samples == 100 && o.classes == 3 && o.hidden == 3;
  std::printf("chapter 5 full script: spiral_data(samples=%zu, classes=%zu) -> %zu x 2, Layer_Dense(2, %zu), "
              "ReLU, Layer_Dense(%zu, %zu), softmax, categorical cross-entropy, accuracy (float32, %d thread%s)\n",
              o.samples, o.classes, in.data.rows(), o.hidden, o.hidden, o.classes, num_threads(),
              num_threads() == 1 ? "" : "s");

  std::vector<isa> targets;
  if (o.only) {
    targets.push_back(parse_isa(*o.only));
    if (!is_runnable(targets[0])) {
      std::fprintf(stderr, "nnsimd demo: ISA %s is not runnable here (runnable: %s)\n", o.only->c_str(),
                   isa_list(runnable_isas()).c_str());
      return kExitBadInput;
    }
  } else {
    targets = runnable_isas();  // starts with isa::scalar, the book-style reference
  }

  std::vector<forward_result> results;
  for (isa t : targets) {
    set_isa_cap(t);
    if (active_isa() != t) {
      std::fprintf(stderr, "nnsimd demo: capping at %s dispatched to %s\n", std::string(to_string(t)).c_str(),
                   std::string(to_string(active_isa())).c_str());
      return kExitFailed;
    }
    network net(in);
    forward_result r;
    r.target = t;
    std::tie(r.nnsimd_mean, r.acc) = net.forward();
    r.loss = numpy_mean(net.losses);
    r.probs = net.probs;
    r.losses = net.losses;
    r.seconds = median_seconds(o.repeat, [&] { net.forward(); });
    results.push_back(std::move(r));

    std::printf("\n== %s ==\n", std::string(to_string(t)).c_str());
    const std::size_t show = std::min<std::size_t>(5, in.data.rows());
    std::printf("%s\n", numpy_matrix(results.back().probs.data(), show, o.classes, o.classes).c_str());
    std::printf("loss: %s\n", py_repr(results.back().loss).c_str());
    std::printf("acc: %s\n", py_repr(results.back().acc).c_str());
    std::printf("(nnsimd's own mean, accumulated in float64: %s)\n", py_repr(results.back().nnsimd_mean).c_str());
    std::printf("time: %s per forward pass (median of %d)\n", human_time(results.back().seconds).c_str(),
                std::max(o.repeat, 1));
  }
  reset_isa_cap();

  // Agreement with the first implementation (the scalar reference unless --isa was given): bitwise, and
  // as the book prints them (the loss as float32's shortest repr, the accuracy exactly).
  const forward_result& ref = results.front();
  bool all_printed_same = true, all_bitwise = true;
  std::printf("\nagreement with %s:\n", std::string(to_string(ref.target)).c_str());
  for (std::size_t k = 1; k < results.size(); ++k) {
    const forward_result& r = results[k];
    long double max_ulp = 0;
    bool same_bits = bits(r.loss) == bits(ref.loss) && bits(r.nnsimd_mean) == bits(ref.nnsimd_mean);
    for (std::size_t j = 0; j < r.losses.size(); ++j) same_bits = same_bits && bits(r.losses[j]) == bits(ref.losses[j]);
    for (std::size_t j = 0; j < r.probs.size(); ++j) {
      same_bits = same_bits && bits(r.probs[j]) == bits(ref.probs[j]);
      const long double u = numerics::ulp_error<float>(r.probs[j], ref.probs[j]);
      max_ulp = u > max_ulp ? u : max_ulp;
    }
    const bool printed_same = py_repr(r.loss) == py_repr(ref.loss) && r.acc == ref.acc;
    all_printed_same = all_printed_same && printed_same;
    all_bitwise = all_bitwise && same_bits;
    std::printf("  %-7s %s; softmax outputs differ by at most %.3Lg ulp; loss %s, acc %s (%s)\n",
                std::string(to_string(r.target)).c_str(), same_bits ? "bitwise identical" : "not bitwise identical",
                max_ulp, py_repr(r.loss).c_str(), py_repr(r.acc).c_str(),
                printed_same ? "same as printed" : "DIFFERENT");
  }
  if (results.size() == 1) std::printf("  (only one implementation run)\n");
  std::printf("all implementations agree: %s; bitwise: %s\n", all_printed_same ? "yes" : "NO",
              all_bitwise ? "yes" : "no");
  if (book) {
    bool book_ok = true;
    for (const auto& r : results) book_ok = book_ok && py_repr(r.loss) == "1.0986104" && py_repr(r.acc) == "0.34";
    std::printf("book's values (loss: 1.0986104, acc: 0.34) reproduced by every implementation: %s\n",
                book_ok ? "yes" : "NO");
    if (!book_ok) return kExitFailed;
  }
  return all_printed_same ? kExitOk : kExitFailed;
}

}  // namespace

void add_demo(CLI::App& app, int& status) {
  auto [cmd, o] = subcommand<demo_options>(app, "demo", "The book's chapter-5 script on every runnable ISA (loss 1.0986104, acc 0.34)");
  cmd->add_option("--samples", o->samples, "Samples per class (book: 100)")->capture_default_str();
  cmd->add_option("--classes", o->classes, "Classes (book: 3)")->capture_default_str();
  cmd->add_option("--hidden", o->hidden, "Neurons of the first dense layer (book: 3)")->capture_default_str();
  cmd->add_option("--threads", o->threads, "OpenMP threads above the parallel threshold (0: OpenMP's default)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--repeat", o->repeat, "Timed forward passes per implementation (the median is printed)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--isa", o->only, "Run only this ISA (scalar, sse2, avx2, avx512, neon64)");
  cmd->callback([o, &status] { status = demo(*o); });
}

}  // namespace nnsimd::cli
