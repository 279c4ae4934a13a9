// softmax_cross_entropy (cross-entropy on logits): every loss within the derived bound of
// src/spec/<op>.hpp (fused softmax cross-entropy section) against the long-double oracle; NaN /
// infinite rows as the oracle says; the same bits for every thread count and under caller FTZ/DAZ.
#include <cstring>

#include "test_util.hpp"


#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace nnsimd::test {
namespace {

class SoftmaxCrossEntropy : public IsaTest {};


template <class T>
::testing::AssertionResult check_losses(const strided<T>& x, const std::vector<std::int32_t>& labels,
                                        const std::vector<T>& losses) {
  const std::size_t n = x.cols;
  for (std::size_t r = 0; r < x.rows; ++r) {
    const T* xr = &x(r, 0);
    long double exact = spec::softmax_cross_entropy_row(xr, n, labels[r]);
    long double m = xr[0];
    for (std::size_t j = 1; j < n; ++j) m = xr[j] > m ? xr[j] : m;
    long double s = 0;
    for (std::size_t j = 0; j < n; ++j) s += std::exp(static_cast<long double>(xr[j]) - m);
    if (std::isfinite(exact) && std::fabs(exact) > static_cast<long double>(std::numeric_limits<T>::max())) {
      // m - x_label overflows T (x_label = -max, m = max): the loss is +inf in T.
      if (losses[r] != std::numeric_limits<T>::infinity())
        return ::testing::AssertionFailure() << "row " << r << ": expected +inf, got " << +losses[r];
      continue;
    }
    const long double alpha = spec::softmax_sum_rel(xr, n);
    const long double b =
        spec::softmax_cross_entropy_bound<T>(m, xr[labels[r]], std::log(s), alpha, n, exact);
    auto ok = within(losses[r], exact, b);
    if (!ok) return ok << " at row " << r << " of " << x.rows << "x" << n << ", label " << labels[r];
  }
  return ::testing::AssertionSuccess();
}


TEST_P(SoftmaxCrossEntropy, WithinBoundEveryShapeStrided) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : edge_lengths())
      for (std::size_t rows : across_rows_counts()) {
        strided<T> x(rows, cols, 3, 1);
        fill_logit_rows(x, static_cast<std::uint32_t>(cols * 100 + rows));
        const auto labels = random_labels(rows, cols, static_cast<std::uint32_t>(rows + cols));
        std::vector<T> losses(rows + 1, T(-7));
        t.softmax_cross_entropy(x.data(), x.ld, labels.data(), losses.data(), rows, cols);
        ASSERT_TRUE(check_losses(x, labels, losses)) << rows << "x" << cols;
        ASSERT_EQ(losses[rows], T(-7)) << "wrote past the last loss, " << rows << "x" << cols;
        ASSERT_TRUE(x.padding_intact());
      }
  });
}

// The short-row path's inbound transposition (see Softmax.TransposeEveryShortShape): every row count
// 1 .. 33 and column count 1 .. 33, random values per row, strided and misaligned; nothing written past
// the last loss.
TEST_P(SoftmaxCrossEntropy, TransposeEveryShortShape) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols = 1; cols <= 33; ++cols)
      for (std::size_t rows = 1; rows <= 33; ++rows) {
        strided<T> x(rows, cols, 3, 1);
        fill_uniform(x, T(-3), T(3), static_cast<std::uint32_t>(cols * 1000 + rows));
        const auto labels = random_labels(rows, cols, static_cast<std::uint32_t>(rows * 7 + cols));
        std::vector<T> losses(rows + 1, T(-7));
        t.softmax_cross_entropy(x.data(), x.ld, labels.data(), losses.data(), rows, cols);
        ASSERT_TRUE(check_losses(x, labels, losses)) << rows << "x" << cols;
        ASSERT_EQ(losses[rows], T(-7)) << "wrote past the last loss, " << rows << "x" << cols;
        ASSERT_TRUE(x.padding_intact());
      }
  });
}

// Special rows, cycling: row r gets pattern r % 10, the label at a special element where it matters.
template <class T>
void adversarial_row(T* x, std::size_t cols, std::size_t pattern, std::int32_t& label, std::mt19937& gen) {
  const T inf = std::numeric_limits<T>::infinity(), big = std::numeric_limits<T>::max();
  const T tiny = std::numeric_limits<T>::denorm_min();
  std::uniform_real_distribution<double> u(-5, 5);
  for (std::size_t j = 0; j < cols; ++j) x[j] = static_cast<T>(u(gen));
  const std::size_t k = gen() % cols;
  label = static_cast<std::int32_t>(gen() % cols);
  switch (pattern) {
    case 0:  // +-1e4: (m - x_l) is 0 or 2e4 exactly; m + log(s) first would round at 1e4
      for (std::size_t j = 0; j < cols; ++j) x[j] = j % 2 ? T(1e4) : T(-1e4);
      break;
    case 1:  // label on a -inf entry: +inf
      x[k] = -inf;
      label = static_cast<std::int32_t>(k);
      if (cols == 1) x[0] = T(1);
      break;
    case 2:  // one NaN: NaN
      x[k] = std::numeric_limits<T>::quiet_NaN();
      break;
    case 3:  // one +inf: NaN
      x[k] = inf;
      break;
    case 4:  // all -inf: NaN
      for (std::size_t j = 0; j < cols; ++j) x[j] = -inf;
      break;
    case 5:  // all equal: log(cols)
      for (std::size_t j = 0; j < cols; ++j) x[j] = T(-3.25);
      break;
    case 6:  // +-max: the label on -max overflows to +inf, on max gives log(#max)
      for (std::size_t j = 0; j < cols; ++j) x[j] = j % 2 ? -big : big;
      break;
    case 7:  // subnormal logits: log(cols) up to rounding
      for (std::size_t j = 0; j < cols; ++j) x[j] = static_cast<T>(j % 5) * tiny;
      break;
    case 8:  // 88.5 and -103
      for (std::size_t j = 0; j < cols; ++j) x[j] = j % 2 ? T(88.5) : T(-103);
      break;
    default:  // confident and right: loss near 0, and confident and wrong
      x[k] = T(40);
      break;
  }
}

TEST_P(SoftmaxCrossEntropy, AdversarialValues) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    std::mt19937 gen(5);
    for (std::size_t cols : {1, 2, 3, 5, 10, 16, 17, 33, 100, 1000}) {
      const std::size_t rows = 41;
      strided<T> x(rows, cols, 2, 3);
      std::vector<std::int32_t> labels(rows);
      for (std::size_t r = 0; r < rows; ++r) adversarial_row(&x(r, 0), cols, r % 10, labels[r], gen);
      std::vector<T> losses(rows);
      t.softmax_cross_entropy(x.data(), x.ld, labels.data(), losses.data(), rows, cols);
      ASSERT_TRUE(check_losses(x, labels, losses)) << "cols " << cols;
    }
  });
}

TEST_P(SoftmaxCrossEntropy, SameBitsForEveryThreadCountAndFtzDaz) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : {3, 10, 17, 100}) {
      const std::size_t rows = 101;
      strided<T> x(rows, cols, 1, 1);
      fill_logit_rows(x, 9);
      x(7, 1) = std::numeric_limits<T>::denorm_min();
      const auto labels = random_labels(rows, cols, 4);
      std::vector<T> l1(rows), l2(rows), l3(rows);
      set_parallel_threshold(0);
      set_num_threads(1);
      t.softmax_cross_entropy(x.data(), x.ld, labels.data(), l1.data(), rows, cols);
      set_num_threads(2);
      t.softmax_cross_entropy(x.data(), x.ld, labels.data(), l2.data(), rows, cols);
      set_num_threads(0);
      set_parallel_threshold(default_parallel_threshold);
      ASSERT_EQ(std::memcmp(l1.data(), l2.data(), rows * sizeof(T)), 0) << "threads, cols " << cols;
#if defined(__x86_64__) || defined(_M_X64)
      const unsigned saved = _mm_getcsr();
      _mm_setcsr(saved | (1u << 15) | (1u << 6));
      t.softmax_cross_entropy(x.data(), x.ld, labels.data(), l3.data(), rows, cols);
      _mm_setcsr(saved);
      ASSERT_EQ(std::memcmp(l1.data(), l3.data(), rows * sizeof(T)), 0) << "FTZ/DAZ, cols " << cols;
#endif
    }
  });
}

NNSIMD_SPEC_STANDARD_SET_TEST(SoftmaxCrossEntropy, softmax_cross_entropy)
NNSIMD_INSTANTIATE_ISA_SUITE(SoftmaxCrossEntropy);

}  // namespace
}  // namespace nnsimd::test
