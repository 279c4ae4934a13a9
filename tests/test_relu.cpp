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
          ASSERT_TRUE(same_value(y(r, c), static_cast<T>(spec::relu_exact(x(r, c))))) << "cols " << cols << " at " << r << "," << c;
      EXPECT_TRUE(y.padding_intact()) << "cols " << cols;
    }
  });
}

// Signed zeros keep their sign (relu(-0) = -0, the spec's x < 0 ? 0 : x, as np.maximum(0, -0.0)) on every
// length: rows shorter than a vector (the scalar loop), the vector body and its overlapping tail; checked
// bit for bit (same_value).
TEST_P(Relu, SignedZerosOnEveryLength) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : edge_lengths())
      for (std::size_t pad : {0, 3}) {  // contiguous (one span) and strided (a span per row)
        strided<T> x(2, cols, pad), y(2, cols, pad);
        for (std::size_t r = 0; r < 2; ++r)
          for (std::size_t c = 0; c < cols; ++c) x(r, c) = (r + c) % 3 == 0 ? -T(0) : (r + c) % 3 == 1 ? T(0) : T(-1);
        t.relu(x.data(), x.ld, y.data(), y.ld, x.rows, x.cols);
        for (std::size_t r = 0; r < 2; ++r)
          for (std::size_t c = 0; c < cols; ++c)
            ASSERT_TRUE(same_value(y(r, c), static_cast<T>(spec::relu_exact(x(r, c)))))
                << "relu(" << x(r, c) << ") gave " << y(r, c) << ", cols " << cols << " pad " << pad << " at " << r << "," << c;
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
        for (std::size_t c = 0; c < cols; ++c) ASSERT_EQ(x(r, c), static_cast<T>(spec::relu_exact(orig(r, c))));
      EXPECT_TRUE(x.padding_intact());
    }
  });
}

// Contiguous spans run forward or backward depending on where y lies from x modulo 4 KiB (elementwise.hpp,
// run_backward): every placement of y within a page of x, in both directions' ranges and at their
// boundaries, gives the exact result and writes nothing outside y.
TEST_P(Relu, EveryPlacementOfYModulo4KiB) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    constexpr std::size_t kPage = 4096 / sizeof(T), kGap = 4096;  // elements: whole pages, past the longest x
    for (std::size_t shift : {std::size_t{1}, std::size_t{16}, kPage / 2 - 1, kPage / 2, kPage / 2 + 1, kPage - 1, kPage})
      for (std::size_t n : {std::size_t{15}, std::size_t{64}, std::size_t{1000}, std::size_t{2053}}) {
        std::vector<T> buf(kGap + kPage + n + 64, T(7));
        T* x = buf.data();
        T* y = buf.data() + kGap + shift;  // y - x = shift elements modulo 4 KiB
        std::mt19937 g(static_cast<std::uint32_t>(shift * 10000 + n));
        std::uniform_real_distribution<T> d(T(-1), T(1));
        for (std::size_t i = 0; i < n; ++i) x[i] = d(g);
        x[0] = std::numeric_limits<T>::quiet_NaN();
        x[n - 1] = T(-0.0);
        t.relu(x, n, y, n, 1, n);
        for (std::size_t i = 0; i < n; ++i)
          ASSERT_TRUE(same_value(y[i], static_cast<T>(spec::relu_exact(x[i])))) << "shift " << shift << " n " << n << " at " << i;
        ASSERT_TRUE(std::signbit(y[n - 1])) << "relu(-0) is -0";
        for (std::size_t i = n; i < kGap; ++i) ASSERT_EQ(x[i], T(7)) << "shift " << shift << " n " << n;
        for (T* p = x + kGap; p < y; ++p) ASSERT_EQ(*p, T(7)) << "before y, shift " << shift << " n " << n;
        for (T* p = y + n; p < buf.data() + buf.size(); ++p) ASSERT_EQ(*p, T(7)) << "after y, shift " << shift << " n " << n;
      }
  });
}

// Above the last-level cache the map streams its stores (elementwise.hpp): a head vector up to the first
// aligned y, the streamed body, an ordinary tail, in every block of the span. Checked on a y offset by one
// element (a head of L - 1), in place, and across the threads' blocks, with NaN, -0 and -inf planted in
// head, body and tail, on n elements (the streamed path needs 2 n elements, or n in place, above the
// threshold).
template <class T>
void check_streamed_relu(const detail::kernel_table<T>& t, std::size_t n) {
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
  for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(same_value(y[i + 1], static_cast<T>(spec::relu_exact(x[i + 1])))) << i;
  for (std::size_t i : {std::size_t{3}, n / 2, n - 2}) ASSERT_TRUE(std::signbit(y[i])) << "relu(-0) is -0, at " << i;
  t.relu(x.data(), n + 1, x.data(), n + 1, 1, n + 1);  // in place
  for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(same_value(x[i + 1], y[i + 1])) << i;
}

NNSIMD_STREAMING_TESTS(Relu, check_streamed_relu)
NNSIMD_SPEC_STANDARD_SET_TEST(Relu, relu)
NNSIMD_INSTANTIATE_ISA_SUITE(Relu);

}  // namespace
}  // namespace nnsimd::test
