// relu: exact (a compare and a select), NaN kept, in place, every length and stride.
#include "kernels/parallel.hpp"
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

// Above the last-level cache the map streams its stores (elementwise.hpp): a head vector up to the first
// aligned y, the streamed body, an ordinary tail. Checked on a y offset by one element (a head of L - 1),
// in place, and across the threads' blocks, with NaN, -0 and -inf planted in head, body and tail.
TEST_P(Relu, BeyondLastLevelCacheStreamed) {
  const std::size_t llc = detail::streaming_store_bytes();
  if (llc > (std::size_t{256} << 20)) GTEST_SKIP() << "no last-level cache size known, or above 256 MiB";
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    const std::size_t n = llc / sizeof(T) / 2 + 1037;  // x and y together exceed the cache
    std::vector<T> x(n + 1), y(n + 2, T(7));
    std::mt19937 g(11);
    std::uniform_real_distribution<T> d(T(-1), T(1));
    for (T& v : x) v = d(g);
    for (std::size_t i : {std::size_t{0}, std::size_t{3}, n / 2, n - 2}) {
      x[i + 1] = std::numeric_limits<T>::quiet_NaN();
      x[i] = T(-0.0);
    }
    x[n / 3] = -std::numeric_limits<T>::infinity();
    t.relu(x.data() + 1, n, y.data() + 1, n, 1, n);  // y + 1: misaligned for every vector width
    ASSERT_EQ(y[0], T(7));
    ASSERT_EQ(y[n + 1], T(7));
    for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(same_value(y[i + 1], static_cast<T>(numerics::relu(x[i + 1])))) << i;
    t.relu(x.data(), n + 1, x.data(), n + 1, 1, n + 1);  // in place
    for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(same_value(x[i + 1], y[i + 1])) << i;
  });
}

NNSIMD_INSTANTIATE_ISA_SUITE(Relu);

}  // namespace
}  // namespace nnsimd::test
