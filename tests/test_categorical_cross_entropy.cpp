// Categorical cross-entropy, sparse and one-hot labels: every ISA against the long-double oracle within
// the bounds derived in src/spec/<op>.hpp; clip endpoints, NaN, soft labels, strided inputs,
// thread-count invariance; and the book's printed values through the public API.
#include <algorithm>
#include <cstring>
#include <vector>

#include "test_util.hpp"

namespace nnsimd::test {
namespace {

// Probabilities in [0, 1) with exact 0s and 1s sprinkled in (they exercise both clip bounds).
template <class T>
void fill_probs(strided<T>& p, std::uint32_t seed) {
  fill_uniform<T>(p, T(0), T(1), seed);
  std::mt19937 gen(seed + 1);
  for (std::size_t r = 0; r < p.rows; ++r) {
    const std::size_t c = gen() % p.cols;
    if (r % 5 == 1) p(r, c) = T(0);
    if (r % 5 == 2) p(r, c) = T(1);
  }
}

class CategoricalCrossEntropy : public IsaTest {};

TEST_P(CategoricalCrossEntropy, WithinLogBoundEveryShapeStrided) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    const T eps = T(1e-7);
    for (std::size_t cols : edge_lengths())
      for (std::size_t rows : row_counts<T>(GetParam().target)) {
        strided<T> p(rows, cols);
        fill_probs(p, static_cast<std::uint32_t>(rows * 1000 + cols));
        std::vector<std::int32_t> labels = random_labels(rows, cols, static_cast<std::uint32_t>(cols));
        labels[0] = static_cast<std::int32_t>(cols - 1);
        if (rows > 1) labels[1] = 0;
        p(0, labels[0]) = T(0);  // -log(eps)
        if (rows > 2) p(2, labels[2]) = std::numeric_limits<T>::quiet_NaN();
        strided<T> losses(1, rows, 0, 1);
        t.categorical_cross_entropy(p.data(), p.ld, labels.data(), losses.data(), rows, cols, eps);
        for (std::size_t r = 0; r < rows; ++r) {
          const long double exact = spec::categorical_cross_entropy_one<T>(p(r, labels[r]), eps);
          ASSERT_TRUE(within(losses(0, r), exact, spec::categorical_cross_entropy_bound<T>(exact)))
              << rows << " x " << cols << " row " << r << " p " << p(r, labels[r]);
        }
        EXPECT_TRUE(p.padding_intact());
        EXPECT_TRUE(losses.padding_intact()) << rows << " x " << cols;
      }
  });
}

// The book's clip endpoints: p = 0 gives -log(1e-7) (16.1180956 in float), p = 1 gives -log(1 - eps)
// with 1 - eps rounded in T (1 - 1.1920929e-7 in float, so about 1.19e-7). NaN stays NaN.
TEST_P(CategoricalCrossEntropy, ClipEndpointsAndNaN) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    const T eps = T(1e-7);
    strided<T> p(3, 2);
    p(0, 0) = T(0), p(0, 1) = T(1);
    p(1, 0) = T(0.5), p(1, 1) = T(1);
    p(2, 0) = T(0.5), p(2, 1) = std::numeric_limits<T>::quiet_NaN();
    const std::int32_t labels[3] = {0, 1, 1};
    T out[3];
    t.categorical_cross_entropy(p.data(), p.ld, labels, out, 3, 2, eps);
    const long double lo = -std::log(static_cast<long double>(eps));
    const long double hi = -std::log(static_cast<long double>(T(1) - eps));
    EXPECT_TRUE(within(out[0], lo, spec::categorical_cross_entropy_bound<T>(lo)));
    EXPECT_TRUE(within(out[1], hi, spec::categorical_cross_entropy_bound<T>(hi)));
    EXPECT_TRUE(std::isnan(out[2]));
    if constexpr (sizeof(T) == 4) {
      EXPECT_NEAR(out[0], 16.1180956f, numerics::ulp_of<float>(16.1180956L));
      EXPECT_NEAR(out[1], 1.1920929e-7f, numerics::ulp_of<float>(1.1920929e-7L));
    }
  });
}

// A subnormal eps lets subnormal probabilities through the clip, down to the smallest one: the log must
// be right below the smallest normal number as well (xsimd 8.1's double log gives -746.5 for
// log(4e-320), which is -735.4; kernels/log.hpp scales those lanes into the normal range). Also
// probabilities spread log-uniformly over every binade from eps to 1, with a vector's lanes mixing
// subnormal and normal values, and the exact boundaries (smallest normal, eps itself, 1 - eps).
TEST_P(CategoricalCrossEntropy, SubnormalEpsEveryBinade) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    constexpr T tiny = std::numeric_limits<T>::denorm_min(), mn = std::numeric_limits<T>::min();
    for (const T eps : {tiny, T(3) * tiny, mn / T(3), mn, T(1e-7)}) {
      std::vector<T> vals = {T(0), tiny, eps, mn / T(2), std::nextafter(mn, T(0)), mn, T(2) * mn, T(1) - eps, T(1)};
      std::mt19937 gen(7);
      std::uniform_real_distribution<double> u(std::log(static_cast<double>(tiny)), 0.0);
      while (vals.size() < 203) vals.push_back(static_cast<T>(std::exp(u(gen))));
      const std::size_t rows = vals.size(), cols = 2;
      strided<T> p(rows, cols);
      std::vector<std::int32_t> labels(rows);
      for (std::size_t r = 0; r < rows; ++r) {
        labels[r] = static_cast<std::int32_t>(r % 2);
        p(r, labels[r]) = vals[r];
        p(r, 1 - labels[r]) = T(1) - vals[r];
      }
      std::vector<T> losses(rows);
      t.categorical_cross_entropy(p.data(), p.ld, labels.data(), losses.data(), rows, cols, eps);
      for (std::size_t r = 0; r < rows; ++r) {
        const long double exact = spec::categorical_cross_entropy_one<T>(vals[r], eps);
        ASSERT_TRUE(within(losses[r], exact, spec::categorical_cross_entropy_bound<T>(exact)))
            << "eps " << eps << " p " << vals[r] << " got " << losses[r] << " want " << static_cast<double>(exact);
      }
    }
  });
}

// The log itself, through the kernel (one column, eps the smallest subnormal, so loss = -log(p) for every
// p): 2^17 p log-uniform over the whole range below 1 and 2^17 uniform around sqrt(1/2), where the log's
// k ln2 and log(m) cancel and its worst errors are (src/spec/categorical_cross_entropy.hpp). Every loss
// within budget::log_ulps; the worst seen is printed as the test's property `max_ulp`.
TEST_P(CategoricalCrossEntropy, LogSweepWithinBudget) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    constexpr std::size_t n = std::size_t{1} << 18;  // 5 s a case under qemu (long-double oracle)
    const T eps = std::numeric_limits<T>::denorm_min();
    std::vector<T> p(n), losses(n);
    std::vector<std::int32_t> labels(n, 0);
    std::mt19937_64 gen(20261201);
    std::uniform_real_distribution<double> wide(std::log(static_cast<double>(eps)), 0.0), mid(0.68, 0.73);
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<T>(i % 2 ? std::exp(wide(gen)) : mid(gen));
    t.categorical_cross_entropy(p.data(), 1, labels.data(), losses.data(), n, 1, eps);
    long double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const long double exact = spec::categorical_cross_entropy_one<T>(p[i], eps);
      if (exact == 0) {
        ASSERT_EQ(losses[i], T(0)) << "p " << p[i];
        continue;
      }
      const long double ulps = std::fabs(static_cast<long double>(losses[i]) - exact) / numerics::ulp_of<T>(exact);
      worst = std::max(worst, ulps);
      ASSERT_LE(ulps, spec::nnsimd_budget<T>().log_ulps) << "p " << p[i] << " got " << losses[i];
    }
    RecordProperty("max_ulp", std::to_string(static_cast<double>(worst)));
  });
}

TEST_P(CategoricalCrossEntropy, SameBitsForEveryThreadCount) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : {std::size_t{3}, std::size_t{1000}}) {
      const std::size_t rows = 1001;
      strided<T> p(rows, cols);
      fill_probs(p, 5);
      const auto labels = random_labels(rows, cols, 6);
      std::vector<T> one(rows), two(rows);
      with_threads(1, [&] { t.categorical_cross_entropy(p.data(), p.ld, labels.data(), one.data(), rows, cols, T(1e-7)); });
      with_threads(2, [&] { t.categorical_cross_entropy(p.data(), p.ld, labels.data(), two.data(), rows, cols, T(1e-7)); });
      for (std::size_t r = 0; r < rows; ++r) ASSERT_EQ(std::memcmp(&one[r], &two[r], sizeof(T)), 0) << "row " << r;
    }
  });
}

class CategoricalCrossEntropyOneHot : public IsaTest {};

// Labels: exact one-hot rows, soft rows (non-negative, summing to about 1), and every few rows an
// all-zero row (loss +inf) or a NaN probability (loss NaN).
template <class T>
void fill_targets(strided<T>& t, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(0, 1);
  for (std::size_t r = 0; r < t.rows; ++r) {
    for (std::size_t c = 0; c < t.cols; ++c) t(r, c) = T(0);
    if (r % 3 == 0) {
      t(r, gen() % t.cols) = T(1);
    } else if (r % 7 != 5) {
      double s = 0;
      std::vector<double> w(t.cols);
      for (auto& x : w) s += (x = u(gen));
      for (std::size_t c = 0; c < t.cols; ++c) t(r, c) = static_cast<T>(w[c] / s);
    }
  }
}

TEST_P(CategoricalCrossEntropyOneHot, WithinSumAndLogBoundEveryShapeStrided) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    const T eps = T(1e-7);
    for (std::size_t cols : edge_lengths())
      for (std::size_t rows : row_counts<T>(GetParam().target)) {
        strided<T> p(rows, cols), y(rows, cols, 5, 2);
        fill_probs(p, static_cast<std::uint32_t>(rows * 1000 + cols));
        fill_targets(y, static_cast<std::uint32_t>(cols));
        if (rows > 4) p(4, cols / 2) = std::numeric_limits<T>::quiet_NaN();
        strided<T> losses(1, rows, 0, 1);
        t.categorical_cross_entropy_onehot(p.data(), p.ld, y.data(), y.ld, losses.data(), rows, cols, eps);
        for (std::size_t r = 0; r < rows; ++r) {
          const long double exact = spec::categorical_cross_entropy_onehot_row<T>(&p(r, 0), &y(r, 0), cols, eps);
          ASSERT_TRUE(within(losses(0, r), exact, spec::categorical_cross_entropy_onehot_bound<T>(exact, cols)))
              << rows << " x " << cols << " row " << r;
        }
        EXPECT_TRUE(p.padding_intact());
        EXPECT_TRUE(y.padding_intact());
        EXPECT_TRUE(losses.padding_intact()) << rows << " x " << cols;
      }
  });
}

// One-hot labels make the sum exact (one product by 1, the rest by 0), so the loss equals the sparse
// loss of the same probabilities within the log's bound, clip endpoints included.
TEST_P(CategoricalCrossEntropyOneHot, MatchesSparseOnOneHotRows) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : {std::size_t{3}, std::size_t{10}, std::size_t{40}, std::size_t{1000}}) {
      const std::size_t rows = 37;
      strided<T> p(rows, cols), y(rows, cols);
      fill_probs(p, 11);
      const auto labels = random_labels(rows, cols, 12);
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) y(r, c) = T(c == static_cast<std::size_t>(labels[r]));
      p(0, labels[0]) = T(0);
      p(1, labels[1]) = T(1);
      std::vector<T> out(rows);
      t.categorical_cross_entropy_onehot(p.data(), p.ld, y.data(), y.ld, out.data(), rows, cols, T(1e-7));
      for (std::size_t r = 0; r < rows; ++r) {
        const long double exact = spec::categorical_cross_entropy_one<T>(p(r, labels[r]), T(1e-7));
        ASSERT_TRUE(within(out[r], exact, spec::categorical_cross_entropy_bound<T>(exact))) << cols << " row " << r;
      }
    }
  });
}

TEST_P(CategoricalCrossEntropyOneHot, SameBitsForEveryThreadCount) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : {std::size_t{3}, std::size_t{1000}}) {
      const std::size_t rows = 1001;
      strided<T> p(rows, cols), y(rows, cols);
      fill_probs(p, 5);
      fill_targets(y, 6);
      std::vector<T> one(rows), two(rows);
      with_threads(1, [&] { t.categorical_cross_entropy_onehot(p.data(), p.ld, y.data(), y.ld, one.data(), rows, cols, T(1e-7)); });
      with_threads(2, [&] { t.categorical_cross_entropy_onehot(p.data(), p.ld, y.data(), y.ld, two.data(), rows, cols, T(1e-7)); });
      for (std::size_t r = 0; r < rows; ++r) ASSERT_EQ(std::memcmp(&one[r], &two[r], sizeof(T)), 0) << "row " << r;
    }
  });
}

NNSIMD_SPEC_STANDARD_SET_TEST(CategoricalCrossEntropy, categorical_cross_entropy)
NNSIMD_SPEC_STANDARD_SET_TEST(CategoricalCrossEntropyOneHot, categorical_cross_entropy_onehot)
NNSIMD_INSTANTIATE_ISA_SUITE(CategoricalCrossEntropy);
NNSIMD_INSTANTIATE_ISA_SUITE(CategoricalCrossEntropyOneHot);

// ---- the book's printed values, through the public API, for every runnable ISA (double) -------------
//
// Bound for a printed mean of n per-sample losses l_i = -log(q_i). Ours: each l_i within log_ulps ULP
// (spec/categorical_cross_entropy.hpp), summed in double (gamma_(n-1) sum l_i), divided by n (0.5 ulp). NumPy's printed value:
// its log within 1 ulp as well (glibc), its own sum and division, and the shortest repr that reads back
// as its double. Both sit within
//   e = sum_i ulp(l_i) / n + gamma_(n-1) sum_i l_i / n + 0.5 ulp(mean)
// of the exact mean, so |ours - printed| <= 2 e: about 6 ulps of the mean for the 3-sample examples,
// 2 ulps for a single sample.
long double book_bound(const std::vector<long double>& exact_losses) {
  const std::size_t n = exact_losses.size();
  long double s = 0, u = 0;
  for (long double l : exact_losses) s += l, u += spec::nnsimd_budget<double>().log_ulps * numerics::ulp_of<double>(l);
  const long double mean = s / n;
  return 2 * (u / n + spec::sum_bound(s, n) / n + 0.5L * numerics::ulp_of<double>(mean));
}

template <class F>
void for_each_isa(F&& f) {
  for (isa i : runnable_isas()) {
    set_isa_cap(i);
    ASSERT_EQ(active_isa(), i);
    SCOPED_TRACE(std::string(to_string(i)));
    f();
  }
  reset_isa_cap();
}

TEST(CategoricalCrossEntropyBook, MinusLogOfPointSeven) {
  for_each_isa([] {
    const double p[3] = {0.7, 0.1, 0.2};
    const std::int32_t label[1] = {0};
    const double loss = categorical_cross_entropy<double>(const_matrix_view<double>(p, 1, 3), label);
    const long double b = book_bound({-std::log(static_cast<long double>(0.7))});
    EXPECT_NEAR(loss, 0.35667494393873245, static_cast<double>(b));
  });
}

TEST(CategoricalCrossEntropyBook, ThreeSamplesSparseAndOneHot) {
  for_each_isa([] {
    const double p[9] = {0.7, 0.1, 0.2, 0.1, 0.5, 0.4, 0.02, 0.9, 0.08};
    const double onehot[9] = {1, 0, 0, 0, 1, 0, 0, 1, 0};
    const std::int32_t labels[3] = {0, 1, 1};
    const const_matrix_view<double> probs(p, 3, 3);
    const long double b = book_bound({-std::log(static_cast<long double>(0.7)), -std::log(0.5L), -std::log(static_cast<long double>(0.9))});
    double losses[3];
    EXPECT_NEAR(categorical_cross_entropy<double>(probs, labels, losses), 0.38506088005216804, static_cast<double>(b));
    EXPECT_NEAR(losses[0], 0.35667494393873245, static_cast<double>(book_bound({-std::log(static_cast<long double>(0.7))})));
    EXPECT_NEAR(categorical_cross_entropy<double>(probs, const_matrix_view<double>(onehot, 3, 3)), 0.38506088005216804,
                static_cast<double>(b));
  });
}

// Notebook 001: eps = 1e-15 and a probability exactly 0 (clipped to 1e-15, multiplied by a 0 label).
TEST(CategoricalCrossEntropyBook, NotebookFourClassesEpsilon1e15) {
  for_each_isa([] {
    const double p[12] = {0.5, 0.45, 0.025, 0.025, 0.1, 0.2, 0.7, 0, 0.01, 0.96, 0.005, 0.025};
    const double onehot[12] = {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0};
    const std::int32_t labels[3] = {0, 2, 1};
    const const_matrix_view<double> probs(p, 3, 4);
    const long double b = book_bound({-std::log(0.5L), -std::log(static_cast<long double>(0.7)),
                                      -std::log(static_cast<long double>(0.96))});
    EXPECT_NEAR(categorical_cross_entropy<double>(probs, const_matrix_view<double>(onehot, 3, 4), {}, 1e-15),
                0.3635480396729777, static_cast<double>(b));
    EXPECT_NEAR(categorical_cross_entropy<double>(probs, labels, {}, 1e-15), 0.3635480396729777,
                static_cast<double>(b));
  });
}

}  // namespace
}  // namespace nnsimd::test
