// clip: exact (two compares and two selects), NaN kept, the book's default bounds, lo == hi, infinite
// values and bounds, in place, every length, strided and misaligned with guarded padding.
#include "test_util.hpp"

namespace nnsimd::test {
namespace {

class Clip : public IsaTest {
 protected:
  void TearDown() override { reset_isa_cap(); }
};

// Checks y == spec::clip_exact(x, lo, hi) element by element and that y's padding is untouched.
template <class T>
::testing::AssertionResult clipped_exactly(const strided<T>& x, const strided<T>& y, T lo, T hi) {
  for (std::size_t r = 0; r < x.rows; ++r)
    for (std::size_t c = 0; c < x.cols; ++c)
      if (!same_value(y(r, c), static_cast<T>(spec::clip_exact(x(r, c), lo, hi))))
        return ::testing::AssertionFailure() << "clip(" << x(r, c) << ", " << lo << ", " << hi << ") gave " << y(r, c)
                                             << " at " << r << "," << c << " of " << x.rows << "x" << x.cols;
  if (!y.padding_intact()) return ::testing::AssertionFailure() << "padding written";
  return ::testing::AssertionSuccess();
}

TEST_P(Clip, ExactOnEveryLengthStrided) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    const T lo = T(-0.5), hi = T(0.75);
    for (std::size_t cols : edge_lengths()) {
      strided<T> x(3, cols), y(3, cols, 5, 3);
      fill_uniform<T>(x, T(-2), T(2), static_cast<std::uint32_t>(cols));
      x(0, 0) = std::numeric_limits<T>::quiet_NaN();
      x(1, cols / 2) = lo;  // exactly at the bounds
      x(2, cols - 1) = hi;
      x(1, cols - 1) = std::numeric_limits<T>::infinity();
      x(2, 0) = -std::numeric_limits<T>::infinity();
      t.clip(x.data(), x.ld, y.data(), y.ld, x.rows, x.cols, lo, hi);
      ASSERT_TRUE(clipped_exactly(x, y, lo, hi)) << "cols " << cols;
    }
  });
}

// Every misalignment of the first element within a 64-byte line, with several row paddings.
TEST_P(Clip, MisalignedAndPadded) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t misalign = 0; misalign < 64 / sizeof(T); ++misalign)
      for (std::size_t pad : {1, 2, 7}) {
        strided<T> x(4, 45, pad, misalign), y(4, 45, pad + 1, (misalign + 3) % 16);
        fill_uniform<T>(x, T(-1), T(2), static_cast<std::uint32_t>(misalign * 10 + pad));
        t.clip(x.data(), x.ld, y.data(), y.ld, x.rows, x.cols, T(0), T(1));
        ASSERT_TRUE(clipped_exactly(x, y, T(0), T(1))) << "misalign " << misalign << " pad " << pad;
      }
  });
}

// The book's bounds: np.clip(y_pred, 1e-7, 1 - 1e-7), each computed in T. In float, 1 - 1e-7f rounds to
// 1 - 2^-23 = 0.99999988 (the two floats below 1 are 1 - 2^-24 and 1 - 2^-23, and 1e-7 is nearer 2^-23).
TEST_P(Clip, DefaultBoundsAreTheBooksRoundedToT) {
  set_isa_cap(GetParam().target);
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>&) {
    const T lo = T(1e-7), hi = T(1) - T(1e-7);
    if constexpr (std::is_same_v<T, float>) {
      EXPECT_EQ(hi, 1.0f - 0x1p-23f);
    }
    strided<T> x(2, 7), y(2, 7, 2, 5);
    const T v[] = {T(0), T(1), T(-3), T(5e-8), T(0.5), T(1) - T(1e-9), std::numeric_limits<T>::quiet_NaN()};
    for (std::size_t c = 0; c < 7; ++c) {
      x(0, c) = v[c];
      x(1, c) = -v[c];
    }
    nnsimd::clip<T>(x.cview(), y.view());  // default arguments
    ASSERT_TRUE(clipped_exactly(x, y, lo, hi));
    EXPECT_EQ(y(0, 0), lo);
    EXPECT_EQ(y(0, 1), hi);
    EXPECT_TRUE(std::isnan(y(0, 6)));
  });
}

TEST_P(Clip, LoEqualsHiGivesThatValueExceptNaN) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : {1, 5, 16, 33, 100}) {
      strided<T> x(2, cols), y(2, cols);
      fill_uniform<T>(x, T(-3), T(3), 5);
      x(1, 0) = std::numeric_limits<T>::quiet_NaN();
      t.clip(x.data(), x.ld, y.data(), y.ld, x.rows, x.cols, T(0.25), T(0.25));
      for (std::size_t r = 0; r < 2; ++r)
        for (std::size_t c = 0; c < cols; ++c) {
          if (r == 1 && c == 0)
            EXPECT_TRUE(std::isnan(y(r, c)));
          else
            ASSERT_EQ(y(r, c), T(0.25)) << r << "," << c;
        }
      EXPECT_TRUE(y.padding_intact());
    }
  });
}

// Signed zeros at the bounds: clip keeps x when it equals a bound (the spec's and the reference's
// x < lo ? lo : (x > hi ? hi : x)), so -0 against lo = +0 stays -0 and +0 against hi = -0 stays +0, on the
// vector body and the scalar tail alike. (NumPy's np.clip returns the bound at such a tie instead; the two
// differ only in the sign of a zero, and the book's bounds never tie with a zero: there both zeros give
// 1e-7.) Compared bit for bit (same_value, clipped_exactly).
TEST_P(Clip, SignedZerosAtTheBounds) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    const T pz = T(0), nz = -T(0);
    struct bounds {
      T lo, hi;
    };
    for (const bounds b : {bounds{pz, T(1)}, bounds{nz, T(1)}, bounds{T(-1), nz}, bounds{T(-1), pz}, bounds{nz, pz},
                           bounds{pz, pz}, bounds{nz, nz}, bounds{T(1e-7), T(1) - T(1e-7)}})
      for (std::size_t cols : edge_lengths()) {
        strided<T> x(2, cols), y(2, cols, 1, 2);
        for (std::size_t r = 0; r < 2; ++r)
          for (std::size_t c = 0; c < cols; ++c) x(r, c) = (r + c) % 3 == 0 ? nz : (r + c) % 3 == 1 ? pz : T(0.5) - T(c % 2);
        t.clip(x.data(), x.ld, y.data(), y.ld, x.rows, x.cols, b.lo, b.hi);
        ASSERT_TRUE(clipped_exactly(x, y, b.lo, b.hi)) << "lo " << b.lo << " hi " << b.hi << " cols " << cols;
      }
    for (std::size_t cols : {1, 5, 16, 33}) {  // the clip_exact the check holds it to, spelled out
      strided<T> x(1, cols), y(1, cols);
      for (std::size_t c = 0; c < cols; ++c) x(0, c) = c % 2 ? pz : nz;
      t.clip(x.data(), x.ld, y.data(), y.ld, 1, cols, pz, T(1));
      for (std::size_t c = 0; c < cols; ++c) ASSERT_EQ(std::signbit(y(0, c)), c % 2 == 0) << "lo +0, cols " << cols;
      t.clip(x.data(), x.ld, y.data(), y.ld, 1, cols, T(-1), nz);
      for (std::size_t c = 0; c < cols; ++c) ASSERT_EQ(std::signbit(y(0, c)), c % 2 == 0) << "hi -0, cols " << cols;
    }
  });
}

// Infinite inputs go to the bounds; infinite bounds leave everything but the other side alone.
TEST_P(Clip, Infinities) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    constexpr T inf = std::numeric_limits<T>::infinity();
    constexpr T big = std::numeric_limits<T>::max();
    for (std::size_t cols : {3, 17, 64}) {
      strided<T> x(2, cols), y(2, cols, 1, 2);
      fill_uniform<T>(x, T(-4), T(4), 9);
      x(0, 0) = inf;
      x(0, cols - 1) = -inf;
      x(1, cols / 2) = big;
      x(1, 0) = -big;
      for (auto [lo, hi] : {std::pair{T(-1), T(1)}, std::pair{-inf, inf}, std::pair{-inf, T(0)}, std::pair{T(0), inf},
                            std::pair{inf, inf}, std::pair{-inf, -inf}}) {
        t.clip(x.data(), x.ld, y.data(), y.ld, x.rows, x.cols, lo, hi);
        ASSERT_TRUE(clipped_exactly(x, y, lo, hi)) << "lo " << lo << " hi " << hi << " cols " << cols;
      }
    }
  });
}

TEST_P(Clip, InPlaceEveryLength) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : edge_lengths())
      for (std::size_t pad : {0, 3}) {  // contiguous (one span) and strided
        strided<T> x(5, cols, pad, 1);
        fill_uniform<T>(x, T(-1), T(2), 7);
        x(4, cols - 1) = std::numeric_limits<T>::quiet_NaN();
        const strided<T> orig = x;
        t.clip(x.data(), x.ld, x.data(), x.ld, x.rows, x.cols, T(0), T(1));
        ASSERT_TRUE(clipped_exactly(orig, x, T(0), T(1))) << "cols " << cols << " pad " << pad;
      }
  });
}

// A contiguous matrix larger than one block of the span path (elementwise.hpp cuts it in 16384-element
// blocks), with threads, so block boundaries inside rows are covered.
TEST_P(Clip, ContiguousAcrossBlocksWithThreads) {
  set_num_threads(2);
  set_parallel_threshold(0);
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    strided<T> x(7, 5003, 0, 0), y(7, 5003, 0, 2);
    fill_uniform<T>(x, T(-1), T(2), 3);
    t.clip(x.data(), x.ld, y.data(), y.ld, x.rows, x.cols, T(0.125), T(0.875));
    EXPECT_TRUE(clipped_exactly(x, y, T(0.125), T(0.875)));
  });
  set_num_threads(0);
  set_parallel_threshold(default_parallel_threshold);
}

TEST_P(Clip, ZeroRowsOrColumnsWriteNothing) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    strided<T> y(3, 4);
    const auto before = y.storage;
    t.clip(y.data(), y.ld, y.data(), y.ld, 0, 4, T(0), T(1));
    t.clip(y.data(), y.ld, y.data(), y.ld, 3, 0, T(0), T(1));
    EXPECT_EQ(y.storage, before);
  });
}

// The streamed path (see Relu.BeyondStreamingThresholdStreamed): y offset by one element, NaN and
// infinities in head, body and tail, then in place, on n elements.
template <class T>
void check_streamed_clip(const detail::kernel_table<T>& t, std::size_t n) {
  std::vector<T> x(n + 1), y(n + 2, T(7));
  std::mt19937 g(12);
  std::uniform_real_distribution<T> d(T(-0.5), T(1.5));
  for (T& v : x) v = d(g);
  for (std::size_t i : {std::size_t{1}, std::size_t{5}, n / 2, n - 1}) x[i] = std::numeric_limits<T>::quiet_NaN();
  x[n / 3] = -std::numeric_limits<T>::infinity();
  x[n / 3 + 1] = std::numeric_limits<T>::infinity();
  const T lo = T(0.25), hi = T(0.75);
  t.clip(x.data() + 1, n, y.data() + 1, n, 1, n, lo, hi);  // y + 1: misaligned for every vector width
  ASSERT_EQ(y[0], T(7));
  ASSERT_EQ(y[n + 1], T(7));
  for (std::size_t i = 0; i < n; ++i)
    ASSERT_TRUE(same_value(y[i + 1], static_cast<T>(spec::clip_exact(x[i + 1], lo, hi)))) << i;
  t.clip(x.data(), n + 1, x.data(), n + 1, 1, n + 1, lo, hi);  // in place
  for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(same_value(x[i + 1], y[i + 1])) << i;
}

NNSIMD_STREAMING_TESTS(Clip, check_streamed_clip)
NNSIMD_SPEC_STANDARD_SET_TEST(Clip, clip)
NNSIMD_INSTANTIATE_ISA_SUITE(Clip);

}  // namespace
}  // namespace nnsimd::test
