// forward_pass / forward_pass_packed (the chapter's network in one call): the same bits as the five
// unfused kernels on every ISA, shape, stride and thread count (src/kernels/forward_pass.hpp says why
// they must be), every loss and the count within the composed bound of src/spec/forward_pass.hpp
// against the long-double oracle, and the public API's checks.
#include <cmath>
#include <cstring>

#include "test_util.hpp"

namespace nnsimd::test {
namespace {

class ForwardPass : public IsaTest {};

struct net_shape {
  std::size_t rows, n_in, n_hidden, n_out;
};

// The book's 300 x 2 -> 3 -> 3; one row; odd widths around the vector lengths; the skinny dense path
// (n_out below a vector) in both layers; wide layers; MNIST's widths. With the block budget lowered to
// 4 KiB (the test below), most run several blocks of 48 rows per thread and a partial last one.
const std::vector<net_shape>& net_shapes() {
  static const std::vector<net_shape> v = {{300, 2, 3, 3}, {1, 5, 7, 3},         {49, 13, 19, 10}, {33, 3, 2, 5},
                                           {100, 40, 300, 100}, {97, 784, 128, 10}, {17, 1, 33, 1}};
  return v;
}

template <class T>
struct network {
  net_shape s;
  strided<T> x, w1, w2;
  std::vector<T> b1, b2;
  std::vector<std::int32_t> labels;

  explicit network(const net_shape& sh, std::uint32_t seed)
      : s(sh), x(sh.rows, sh.n_in, 3, 1), w1(sh.n_in, sh.n_hidden, 5, 2), w2(sh.n_hidden, sh.n_out, 1, 3),
        b1(sh.n_hidden), b2(sh.n_out), labels(random_labels(sh.rows, sh.n_out, seed + 7)) {
    const T a1 = T(std::sqrt(6.0 / double(sh.n_in))), a2 = T(std::sqrt(6.0 / double(sh.n_hidden)));
    fill_uniform(x, T(-1), T(1), seed);
    fill_uniform(w1, -a1, a1, seed + 1);
    fill_uniform(w2, T(-2) * a2, T(2) * a2, seed + 2);
    std::mt19937 g(seed + 3);
    std::uniform_real_distribution<double> u(-0.5, 0.5);
    for (T& v : b1) v = T(u(g));
    for (T& v : b2) v = T(u(g));
    // A zero row (h = relu(b1)), and a NaN row (NaN loss, argmax 0), where there are rows for them.
    if (sh.rows > 2) std::fill(&x(1, 0), &x(1, 0) + sh.n_in, T(0));
    if (sh.rows > 5) x(5, sh.n_in / 2) = std::numeric_limits<T>::quiet_NaN();
  }
};

// The unfused pass through table t: what the book's script does with nnsimd's kernels.
template <class T>
struct unfused {
  std::vector<T> losses, probs;
  std::size_t count = 0;
  unfused(const detail::kernel_table<T>& t, network<T>& n, T eps) {
    const net_shape& s = n.s;
    std::vector<T> h(s.rows * s.n_hidden), z(s.rows * s.n_out);
    losses.resize(s.rows);
    probs.resize(s.rows * s.n_out);
    t.dense_relu(n.x.data(), n.x.ld, n.w1.data(), n.w1.ld, n.b1.data(), h.data(), s.n_hidden, s.rows, s.n_in,
                 s.n_hidden);
    t.dense_forward(h.data(), s.n_hidden, n.w2.data(), n.w2.ld, n.b2.data(), z.data(), s.n_out, s.rows, s.n_hidden,
                    s.n_out);
    t.softmax(z.data(), s.n_out, probs.data(), s.n_out, s.rows, s.n_out);
    t.categorical_cross_entropy(probs.data(), s.n_out, n.labels.data(), losses.data(), s.rows, s.n_out, eps);
    count = t.accuracy(probs.data(), s.n_out, n.labels.data(), s.rows, s.n_out);
  }
};

template <class T>
::testing::AssertionResult same_bits(const std::vector<T>& want, const T* got, std::size_t n, const char* what) {
  for (std::size_t i = 0; i < n; ++i)
    if (!same_value(want[i], got[i]))
      return ::testing::AssertionFailure() << what << "[" << i << "]: unfused " << +want[i] << ", fused " << +got[i];
  return ::testing::AssertionSuccess();
}

// The fused kernels, unpacked and packed, with and without the probabilities, at 1 and 2 threads (the
// second with no parallel threshold, so every call splits its row blocks): the unfused bits.
TEST_P(ForwardPass, BitIdenticalToUnfusedKernels) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    const T eps = T(1e-7);
    for (const net_shape& s : net_shapes()) {
      SCOPED_TRACE(std::to_string(s.rows) + " x " + std::to_string(s.n_in) + " -> " + std::to_string(s.n_hidden) +
                   " -> " + std::to_string(s.n_out));
      network<T> n(s, static_cast<std::uint32_t>(s.rows * 31 + s.n_hidden));
      const unfused<T> want(t, n, eps);
      // dense_pack's layout may hold an object needing 64-byte alignment: over-allocate and align.
      std::vector<T> raw1(t.dense_packed_size(s.n_in, s.n_hidden) + 1 + 64 / sizeof(T)),
          raw2(t.dense_packed_size(s.n_hidden, s.n_out) + 1 + 64 / sizeof(T));
      auto aligned = [](std::vector<T>& v) {
        void* p = v.data();
        std::size_t space = v.size() * sizeof(T);
        return static_cast<T*>(std::align(64, sizeof(T), p, space));
      };
      T* pk1 = aligned(raw1);
      T* pk2 = aligned(raw2);
      t.dense_pack(n.w1.data(), n.w1.ld, n.b1.data(), s.n_in, s.n_hidden, pk1);
      t.dense_pack(n.w2.data(), n.w2.ld, n.b2.data(), s.n_hidden, s.n_out, pk2);
      for (std::size_t budget : {std::size_t{0}, std::size_t{4096}})
      for (int threads : {1, 2})
        for (bool packed : {false, true})
          for (bool with_probs : {false, true}) {
            // budget 4 KiB: blocks of 48 rows (the least), several per thread at most shapes.
            SCOPED_TRACE(std::string(packed ? "packed" : "unpacked") + (with_probs ? ", probs" : "") + ", " +
                         std::to_string(threads) + " threads, block budget " + std::to_string(budget));
            const std::size_t saved = detail::set_forward_block_bytes(budget);
            strided<T> probs(s.rows, s.n_out, 2, 1);
            std::vector<T> losses(s.rows + 1, T(-7));
            std::size_t count = 0;
            with_threads(threads, [&] {
              T* pr = with_probs ? probs.data() : nullptr;
              const std::size_t ldp = with_probs ? probs.ld : 0;
              count = packed ? t.forward_pass_packed(n.x.data(), n.x.ld, pk1, pk2, n.labels.data(), losses.data(), pr,
                                                     ldp, s.rows, s.n_in, s.n_hidden, s.n_out, eps)
                             : t.forward_pass(n.x.data(), n.x.ld, n.w1.data(), n.w1.ld, n.b1.data(), n.w2.data(),
                                              n.w2.ld, n.b2.data(), n.labels.data(), losses.data(), pr, ldp, s.rows,
                                              s.n_in, s.n_hidden, s.n_out, eps);
            });
            detail::set_forward_block_bytes(saved);
            ASSERT_EQ(count, want.count);
            ASSERT_TRUE(same_bits(want.losses, losses.data(), s.rows, "loss"));
            ASSERT_EQ(losses[s.rows], T(-7)) << "wrote past the last loss";
            if (with_probs) {
              for (std::size_t r = 0; r < s.rows; ++r)
                ASSERT_TRUE(same_bits(std::vector<T>(want.probs.begin() + r * s.n_out,
                                                     want.probs.begin() + (r + 1) * s.n_out),
                                      &probs(r, 0), s.n_out, "probs row"))
                    << "row " << r;
              ASSERT_TRUE(probs.padding_intact());
            }
          }
    }
  });
}

// Against the oracle: every loss within the composed bound and the count within the rows whose argmax
// the bound leaves open (spec::forward_pass_row), on the shapes above through the spec's own check. The
// oracle costs rows (n_in n_hidden + n_hidden n_out) multiply-adds in long double, IEEE quad in software
// on AArch64 (the NEON job runs it under qemu): shapes above 2^23 of them (MNIST's widths) are checked
// by BitIdenticalToUnfusedKernels only.
TEST_P(ForwardPass, WithinComposedBound) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (const net_shape& s : net_shapes()) {
      if (s.rows * (s.n_in * s.n_hidden + s.n_hidden * s.n_out) > (std::size_t{1} << 23)) continue;
      network<T> n(s, static_cast<std::uint32_t>(s.rows + s.n_out));
      std::vector<T> w1(s.n_in * s.n_hidden), w2(s.n_hidden * s.n_out), losses(s.rows);
      for (std::size_t k = 0; k < s.n_in; ++k)
        for (std::size_t j = 0; j < s.n_hidden; ++j) w1[k * s.n_hidden + j] = n.w1(k, j);
      for (std::size_t k = 0; k < s.n_hidden; ++k)
        for (std::size_t j = 0; j < s.n_out; ++j) w2[k * s.n_out + j] = n.w2(k, j);
      std::size_t count = 0;
      spec::args<T> a;
      a.rows = s.rows, a.cols = s.n_out, a.n_in = s.n_in, a.n_hid = s.n_hidden;
      a.x = n.x.data(), a.ldx = n.x.ld, a.w = w1.data(), a.ldw = s.n_hidden, a.b = n.b1.data();
      a.w2 = w2.data(), a.b2 = n.b2.data(), a.labels = n.labels.data(), a.losses = losses.data(), a.count = &count;
      spec::forward_pass<T>::call(t, a);
      EXPECT_TRUE((spec_agrees<spec::forward_pass<T>>(a)))
          << s.rows << " x " << s.n_in << " -> " << s.n_hidden << " -> " << s.n_out;
    }
  });
}

NNSIMD_SPEC_STANDARD_SET_TEST(ForwardPass, forward_pass)
NNSIMD_SPEC_STANDARD_SET_TEST(ForwardPass, forward_pass_packed)
NNSIMD_INSTANTIATE_ISA_SUITE(ForwardPass);

// ---- the public API -------------------------------------------------------------------------------

// The API's results against its own unfused calls, on the active ISA: the mean loss and the accuracy
// bit for bit, with the layers packed or not, the probabilities and per-sample losses optional.
template <class T>
void api_matches_unfused() {
  const net_shape s{257, 30, 70, 12};
  network<T> n(s, 99);
  const auto x = n.x.cview();
  const const_matrix_view<T> w1 = n.w1.cview(), w2 = n.w2.cview();
  std::vector<T> h(s.rows * s.n_hidden), p(s.rows * s.n_out), losses(s.rows);
  dense_relu<T>(x, w1, n.b1, matrix_view<T>(h.data(), s.rows, s.n_hidden));
  dense_forward<T>(const_matrix_view<T>(h.data(), s.rows, s.n_hidden), w2, n.b2, matrix_view<T>(p.data(), s.rows, s.n_out));
  softmax<T>(const_matrix_view<T>(p.data(), s.rows, s.n_out), matrix_view<T>(p.data(), s.rows, s.n_out));
  const T loss = categorical_cross_entropy<T>(const_matrix_view<T>(p.data(), s.rows, s.n_out), n.labels, losses);
  const double acc = accuracy<T>(const_matrix_view<T>(p.data(), s.rows, s.n_out), n.labels);

  const packed_dense<T> l1(w1, n.b1), l2(w2, n.b2);
  std::vector<T> fl(s.rows), fp(s.rows * s.n_out);
  for (int variant = 0; variant < 4; ++variant) {
    SCOPED_TRACE(variant);
    const bool packed = variant & 1, outputs = variant & 2;
    std::fill(fl.begin(), fl.end(), T(-1));
    const std::span<T> lo = outputs ? std::span<T>(fl) : std::span<T>();
    const matrix_view<T> po = outputs ? matrix_view<T>(fp.data(), s.rows, s.n_out) : matrix_view<T>();
    const forward_result<T> r = packed ? forward_pass<T>(x, l1, l2, n.labels, lo, po)
                                       : forward_pass<T>(x, w1, n.b1, w2, n.b2, n.labels, lo, po);
    EXPECT_TRUE(same_value(r.loss, loss)) << r.loss << " vs " << loss;
    EXPECT_EQ(r.accuracy, acc);
    if (outputs) {
      EXPECT_EQ(std::memcmp(fl.data(), losses.data(), fl.size() * sizeof(T)), 0);
      EXPECT_EQ(std::memcmp(fp.data(), p.data(), fp.size() * sizeof(T)), 0);
    }
  }
}

TEST(ForwardPassApi, MatchesUnfusedCalls) {
  api_matches_unfused<float>();
  api_matches_unfused<double>();
}

TEST(ForwardPassApi, EmptyBatchIsNaN) {
  std::vector<float> w1(6, 1.f), b1(3), w2(9, 1.f), b2(3);
  const forward_result<float> r = forward_pass<float>(const_matrix_view<float>(nullptr, 0, 2), {w1.data(), 2, 3}, b1,
                                                      {w2.data(), 3, 3}, b2, {});
  EXPECT_TRUE(std::isnan(r.loss));
  EXPECT_TRUE(std::isnan(r.accuracy));
}

TEST(ForwardPassApi, BadArgumentsNamed) {
  std::vector<double> x(4 * 2, 0.5), w1(2 * 3, 0.1), b1(3), w2(3 * 5, 0.2), b2(5), losses(4), probs(4 * 5);
  std::vector<std::int32_t> labels = {0, 1, 4, 2};
  const const_matrix_view<double> X(x.data(), 4, 2), W1(w1.data(), 2, 3), W2(w2.data(), 3, 5);
  EXPECT_TRUE(throws_naming([&] { forward_pass<double>(const_matrix_view<double>(x.data(), 2, 4), W1, b1, W2, b2, labels); },
                            {"forward_pass", "x (2 x 4)", "2 columns"}));
  EXPECT_TRUE(throws_naming([&] { forward_pass<double>(X, W1, b1, const_matrix_view<double>(w2.data(), 5, 3), b2, labels); },
                            {"w2 (5 x 3)", "3 rows", "w1 (2 x 3)"}));
  EXPECT_TRUE(throws_naming([&] { forward_pass<double>(X, W1, std::span<const double>(b1).first(2), W2, b2, labels); },
                            {"b1 has 2 elements, expected 3"}));
  std::vector<std::int32_t> bad = {0, 1, 5, 2};
  EXPECT_TRUE(throws_naming([&] { forward_pass<double>(X, W1, b1, W2, b2, bad); }, {"labels[2] = 5", "[0, 5)"}));
  EXPECT_TRUE(throws_naming([&] { forward_pass<double>(X, W1, b1, W2, b2, std::span<const std::int32_t>(labels).first(3)); },
                            {"labels has 3 elements, expected 4"}));
  EXPECT_TRUE(throws_naming([&] { forward_pass<double>(X, W1, b1, W2, b2, labels, std::span<double>(losses).first(3)); },
                            {"losses has 3 elements, expected 4"}));
  EXPECT_TRUE(throws_naming(
      [&] { forward_pass<double>(X, W1, b1, W2, b2, labels, {}, matrix_view<double>(probs.data(), 4, 4)); },
      {"probs (4 x 4) must be 4 x 5"}));
  EXPECT_TRUE(throws_naming(
      [&] { forward_pass<double>(X, W1, b1, W2, b2, labels, {}, matrix_view<double>(w2.data(), 3, 5)); },
      {"probs (3 x 5) must be 4 x 5"}));
  EXPECT_TRUE(throws_naming(
      [&] { forward_pass<double>(X, W1, b1, W2, b2, labels, {}, matrix_view<double>(x.data(), 4, 5, 5)); },
      {"overlap an input"}));
  EXPECT_TRUE(throws_naming([&] { forward_pass<double>(X, W1, b1, W2, b2, labels, {}, {}, 0.0); }, {"eps = 0"}));
  EXPECT_TRUE(throws_naming(
      [&] { forward_pass<double>(X, const_matrix_view<double>(w1.data(), 2, 0), {}, const_matrix_view<double>(w2.data(), 0, 5), b2, labels); },
      {"no neurons"}));

  packed_dense<double> l1(W1, b1), l2(W2, b2), wrong(const_matrix_view<double>(w2.data(), 2, 5), b2);
  EXPECT_TRUE(throws_naming([&] { forward_pass<double>(X, l1, wrong, labels); },
                            {"the second layer takes 2 inputs but the first gives 3"}));
  EXPECT_TRUE(throws_naming([&] { forward_pass<double>(X, l2, l1, labels); }, {"second layer takes 2 inputs"}));
  packed_dense<double> moved = std::move(l2);
  EXPECT_TRUE(throws_naming([&] { forward_pass<double>(X, l1, l2, labels); }, {"moved from"}));
  // A layer packed for another ISA than the active one.
  if (active_isa() != isa::scalar) {
    set_isa_cap(isa::scalar);
    EXPECT_TRUE(throws_naming([&] { forward_pass<double>(X, l1, moved, labels); }, {"packed for", "pack it again"}));
    reset_isa_cap();
  }
  EXPECT_NO_THROW(forward_pass<double>(X, l1, moved, labels, losses, matrix_view<double>(probs.data(), 4, 5)));
}

}  // namespace
}  // namespace nnsimd::test
