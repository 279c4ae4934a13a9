// accuracy: the count of rows whose argmax (spec::argmax_row) is the label, exact on every ISA (the
// scores of fill_scores: ties, NaN, +-inf, all -inf rows, long rows), strided inputs, thread-count
// invariance, the specification's standard set; and the book's accuracy example through the public API.
#include <vector>

#include "test_util.hpp"

namespace nnsimd::test {
namespace {

class Accuracy : public IsaTest {};

TEST_P(Accuracy, ExactEveryShapeStrided) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : argmax_col_counts())
      for (std::size_t rows : row_counts<T>(GetParam().target)) {
        if (cols > 1000 && rows > 17) continue;
        strided<T> x(rows, cols);
        fill_scores(x, static_cast<std::uint32_t>(rows * 31 + cols));
        // Half the labels are the true argmax (labels 0 and cols - 1 included), the rest random.
        std::vector<std::int32_t> labels = random_labels(rows, cols, static_cast<std::uint32_t>(cols));
        std::size_t expected = 0;
        for (std::size_t r = 0; r < rows; ++r) {
          const std::int32_t a = spec::argmax_row(&x(r, 0), cols);
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
      for (std::size_t r = 0; r < rows; ++r) expected += labels[r] == spec::argmax_row(&x(r, 0), cols);
      for (int threads : {1, 2})
        with_threads(threads, [&] {
          EXPECT_EQ(t.accuracy(x.data(), x.ld, labels.data(), rows, cols), expected) << threads << " threads";
          std::vector<std::int32_t> idx(rows);
          t.argmax(x.data(), x.ld, idx.data(), rows, cols);
          for (std::size_t r = 0; r < rows; ++r) ASSERT_EQ(idx[r], spec::argmax_row(&x(r, 0), cols));
        });
    }
  });
}

NNSIMD_SPEC_STANDARD_SET_TEST(Accuracy, accuracy)
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
