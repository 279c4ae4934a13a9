// argmax and accuracy: exact against numpy.argmax's rule (numerics::argmax_row: first index of the
// maximum, first NaN wins) on every ISA: ties, NaN, +-inf, all -inf rows, long rows spanning several
// chunks, strided inputs, thread-count invariance; and the book's accuracy example through the public API.
#include <vector>

#include "test_util.hpp"

namespace nnsimd::test {
namespace {

// Scores on a coarse grid (many exact ties, signed zeros), with per-row specials: a NaN (sometimes two),
// +inf, -inf, +inf and -inf together (their sum is NaN without any NaN in the row), an all -inf row, and
// a row whose maximum sits in its last element.
template <class T>
void fill_scores(strided<T>& x, std::uint32_t seed) {
  std::mt19937 gen(seed);
  for (std::size_t r = 0; r < x.rows; ++r)
    for (std::size_t c = 0; c < x.cols; ++c) x(r, c) = static_cast<T>(static_cast<int>(gen() % 9) - 4) / T(4);
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  for (std::size_t r = 0; r < x.rows; ++r) {
    const std::size_t a = gen() % x.cols, b = gen() % x.cols;
    switch (r % 8) {
      case 1: x(r, a) = nan; break;
      case 2: x(r, a) = nan, x(r, b) = -nan; break;
      case 3: x(r, a) = inf; break;
      case 4: x(r, a) = -inf, x(r, b) = inf; break;
      case 5: for (std::size_t c = 0; c < x.cols; ++c) x(r, c) = -inf; break;
      case 6: x(r, x.cols - 1) = T(2); break;
      case 7: x(r, a) = -T(0); break;
      default: break;
    }
  }
}

// Column counts: edge lengths (short and long paths) plus rows spanning several argmax chunks (64 L
// elements: 1024 for float on AVX-512), with a partial last chunk shorter than a vector.
std::vector<std::size_t> col_counts() {
  std::vector<std::size_t> v = edge_lengths();
  for (std::size_t c : {2051, 3000, 4100}) v.push_back(c);
  return v;
}

class Argmax : public IsaTest {};

TEST_P(Argmax, ExactEveryShapeStrided) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : col_counts())
      for (std::size_t rows : row_counts<T>(GetParam().target)) {
        if (cols > 1000 && rows > 17) continue;  // long rows: a few suffice
        strided<T> x(rows, cols);
        fill_scores(x, static_cast<std::uint32_t>(rows * 7919 + cols));
        std::vector<std::int32_t> idx(rows + 1, -7);
        t.argmax(x.data(), x.ld, idx.data(), rows, cols);
        for (std::size_t r = 0; r < rows; ++r)
          ASSERT_EQ(idx[r], numerics::argmax_row(&x(r, 0), cols)) << rows << " x " << cols << " row " << r;
        EXPECT_EQ(idx[rows], -7) << "wrote past the last row";
        EXPECT_TRUE(x.padding_intact());
      }
  });
}

// Where the winner sits relative to chunk and vector boundaries: every position of a single maximum,
// of a first NaN, and of a tie with the maximum placed later, on a row of 3 chunks' length + a bit.
TEST_P(Argmax, EveryWinnerPosition) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : {std::size_t{40}, std::size_t{3 * 1024 + 5}}) {
      const std::size_t step = cols > 100 ? 37 : 1;
      std::vector<std::size_t> pos;
      for (std::size_t j = 0; j < cols; j += step) pos.push_back(j);
      pos.push_back(cols - 1);
      strided<T> x(pos.size(), cols);
      fill_uniform<T>(x, T(-1), T(1), 3);
      for (std::size_t r = 0; r < pos.size(); ++r) {
        x(r, pos[r]) = T(5);
        if (r % 3 == 1) x(r, cols - 1 - (pos[r] % 7 == 0 ? 0 : pos[r] % 7)) = T(5);  // a tie, maybe earlier
        if (r % 3 == 2) x(r, pos[r]) = std::numeric_limits<T>::quiet_NaN(), x(r, (pos[r] * 5) % cols) = T(7);
      }
      std::vector<std::int32_t> idx(pos.size());
      t.argmax(x.data(), x.ld, idx.data(), x.rows, cols);
      for (std::size_t r = 0; r < pos.size(); ++r)
        ASSERT_EQ(idx[r], numerics::argmax_row(&x(r, 0), cols)) << cols << " row " << r << " pos " << pos[r];
    }
  });
}

class Accuracy : public IsaTest {};

TEST_P(Accuracy, ExactEveryShapeStrided) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : col_counts())
      for (std::size_t rows : row_counts<T>(GetParam().target)) {
        if (cols > 1000 && rows > 17) continue;
        strided<T> x(rows, cols);
        fill_scores(x, static_cast<std::uint32_t>(rows * 31 + cols));
        // Half the labels are the true argmax (labels 0 and cols - 1 included), the rest random.
        std::vector<std::int32_t> labels = random_labels(rows, cols, static_cast<std::uint32_t>(cols));
        std::size_t expected = 0;
        for (std::size_t r = 0; r < rows; ++r) {
          const std::int32_t a = numerics::argmax_row(&x(r, 0), cols);
          if (r % 2 == 0) labels[r] = a;
          expected += labels[r] == a;
        }
        ASSERT_EQ(t.accuracy(x.data(), x.ld, labels.data(), rows, cols), expected) << rows << " x " << cols;
        EXPECT_TRUE(x.padding_intact());
      }
  });
}

TEST_P(Accuracy, SameForEveryThreadCount) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : {std::size_t{3}, std::size_t{1000}}) {
      const std::size_t rows = 1001;
      strided<T> x(rows, cols);
      fill_scores(x, 9);
      const auto labels = random_labels(rows, cols, 10);
      std::size_t expected = 0;
      for (std::size_t r = 0; r < rows; ++r) expected += labels[r] == numerics::argmax_row(&x(r, 0), cols);
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        set_parallel_threshold(threads > 1 ? 0 : default_parallel_threshold);
        EXPECT_EQ(t.accuracy(x.data(), x.ld, labels.data(), rows, cols), expected) << threads << " threads";
        std::vector<std::int32_t> idx(rows);
        t.argmax(x.data(), x.ld, idx.data(), rows, cols);
        for (std::size_t r = 0; r < rows; ++r) ASSERT_EQ(idx[r], numerics::argmax_row(&x(r, 0), cols));
      }
      set_num_threads(0);
      set_parallel_threshold(default_parallel_threshold);
    }
  });
}

NNSIMD_INSTANTIATE_ISA_SUITE(Argmax);
NNSIMD_INSTANTIATE_ISA_SUITE(Accuracy);

// The book's accuracy example (chapter 5 and notebook 001): predictions [0, 0, 1] against [0, 1, 1].
// The count is exact and 2 / 3 is one correctly rounded division, the double NumPy prints as
// 0.6666666666666666 (its shortest round-trip repr), so the bound is 0.
TEST(AccuracyBook, TwoOfThree) {
  const double p[9] = {0.7, 0.2, 0.1, 0.5, 0.1, 0.4, 0.02, 0.9, 0.08};
  const double onehot[9] = {1, 0, 0, 0, 1, 0, 0, 1, 0};
  const std::int32_t labels[3] = {0, 1, 1};
  for (isa i : runnable_isas()) {
    set_isa_cap(i);
    ASSERT_EQ(active_isa(), i);
    const const_matrix_view<double> probs(p, 3, 3);
    EXPECT_NEAR(accuracy<double>(probs, labels), 0.6666666666666666, 0.0) << to_string(i);
    EXPECT_NEAR(accuracy<double>(probs, const_matrix_view<double>(onehot, 3, 3)), 0.6666666666666666, 0.0)
        << to_string(i);
    std::int32_t pred[3];
    argmax<double>(probs, pred);
    EXPECT_EQ(pred[0], 0);
    EXPECT_EQ(pred[1], 0);
    EXPECT_EQ(pred[2], 1);
  }
  reset_isa_cap();
}

}  // namespace
}  // namespace nnsimd::test
