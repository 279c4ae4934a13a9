// relu: exact (a compare and a select), NaN kept, in place, every length and stride.
#include "test_util.hpp"

namespace nnsimd::test {
namespace {

class Relu : public IsaTest {};

TEST_P(Relu, ExactOnEveryLengthStrided) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : edge_lengths()) {
      strided<T> x(3, cols), y(3, cols, 5, 3);
      fill_uniform<T>(x, T(-2), T(2), static_cast<std::uint32_t>(cols));
      x(0, 0) = std::numeric_limits<T>::quiet_NaN();
      x(2, cols - 1) = -std::numeric_limits<T>::infinity();
      t.relu(x.data(), x.ld, y.data(), y.ld, x.rows, x.cols);
      for (std::size_t r = 0; r < x.rows; ++r)
        for (std::size_t c = 0; c < cols; ++c)
          ASSERT_TRUE(same_value(y(r, c), static_cast<T>(numerics::relu(x(r, c))))) << "cols " << cols << " at " << r << "," << c;
      EXPECT_TRUE(y.padding_intact()) << "cols " << cols;
    }
  });
}

TEST_P(Relu, InPlaceContiguous) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : edge_lengths()) {
      strided<T> x(5, cols, 0);
      fill_uniform<T>(x, T(-1), T(1), 7);
      const strided<T> orig = x;
      t.relu(x.data(), x.ld, x.data(), x.ld, x.rows, x.cols);
      for (std::size_t r = 0; r < x.rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) ASSERT_EQ(x(r, c), static_cast<T>(numerics::relu(orig(r, c))));
      EXPECT_TRUE(x.padding_intact());
    }
  });
}

NNSIMD_INSTANTIATE_ISA_SUITE(Relu);

}  // namespace
}  // namespace nnsimd::test
