// softmax: every element within the derived bound of src/spec/<op>.hpp (softmax section) against
// the long-double oracle; NumPy's special values; strided, misaligned, in place; the same bits for every
// thread count and whatever FTZ/DAZ the caller left set.
#include <cstring>

#include "test_util.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace nnsimd::test {
namespace {

class Softmax : public IsaTest {};


// Checks y (rows x cols) against the oracle row by row: each element within softmax_bound, -inf entries
// of a finite row exactly 0, and each finite row summing to 1 within the sum of its element bounds.
template <class T>
::testing::AssertionResult check_softmax(const strided<T>& x, const strided<T>& y) {
  const std::size_t n = x.cols;
  for (std::size_t r = 0; r < x.rows; ++r) {
    const T* xr = &x(r, 0);
    const auto exact = spec::softmax_row(xr, n);
    const long double alpha = spec::softmax_sum_rel(xr, n);
    T m = xr[0];
    for (std::size_t j = 1; j < n; ++j) m = xr[j] > m ? xr[j] : m;
    long double sum = 0, sum_bound = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const long double d = static_cast<long double>(xr[j]) - static_cast<long double>(m);
      const long double b = spec::softmax_bound<T>(exact[j], d, alpha, n);
      auto ok = within(y(r, j), exact[j], b);
      if (!ok) return ok << " at row " << r << " col " << j << " of " << x.rows << "x" << n << " (x = " << +xr[j] << ")";
      if (!std::isnan(exact[j]) && xr[j] == -std::numeric_limits<T>::infinity() && y(r, j) != 0)
        return ::testing::AssertionFailure() << "exp(-inf) not 0 at row " << r << " col " << j;
      sum += y(r, j);
      sum_bound += b;
    }
    if (!std::isnan(exact[0]) && !(std::fabs(sum - 1) <= sum_bound))
      return ::testing::AssertionFailure() << "row " << r << " sums to 1 + " << static_cast<double>(sum - 1)
                                           << ", bound " << static_cast<double>(sum_bound);
  }
  return ::testing::AssertionSuccess();
}


bool bits_equal_rows(const auto& a, const auto& b) {
  for (std::size_t r = 0; r < a.rows; ++r)
    if (std::memcmp(&a(r, 0), &b(r, 0), a.cols * sizeof(a(0, 0))) != 0) return false;
  return true;
}

TEST_P(Softmax, WithinBoundEveryShapeStrided) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : edge_lengths())
      for (std::size_t rows : across_rows_counts()) {
        strided<T> x(rows, cols, 3, 1), y(rows, cols, 5, 3);
        fill_logit_rows(x, static_cast<std::uint32_t>(cols * 100 + rows));
        t.softmax(x.data(), x.ld, y.data(), y.ld, rows, cols);
        ASSERT_TRUE(check_softmax(x, y)) << rows << "x" << cols;
        ASSERT_TRUE(y.padding_intact()) << rows << "x" << cols;
        ASSERT_TRUE(x.padding_intact()) << rows << "x" << cols;
      }
  });
}

// In place, contiguous and strided: the same bits as out of place.
TEST_P(Softmax, InPlaceSameBits) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : edge_lengths())
      for (std::size_t pad : {0, 3}) {
        const std::size_t rows = 17;
        strided<T> x(rows, cols, pad, 1), y(rows, cols, pad, 1);
        fill_logit_rows(x, static_cast<std::uint32_t>(cols));
        t.softmax(x.data(), x.ld, y.data(), y.ld, rows, cols);
        t.softmax(x.data(), x.ld, x.data(), x.ld, rows, cols);
        ASSERT_TRUE(bits_equal_rows(x, y)) << rows << "x" << cols << " pad " << pad;
        ASSERT_TRUE(x.padding_intact());
      }
  });
}

// The short-row path moves every row through an in-register transposition (blocks of L rows, chunks of
// W <= L columns, rows k + W q sharing a vector): every row count 1 .. 2L + 1 and every column count
// below across_cols, for L up to 16 (1 .. 33 each), strided and misaligned, out of place and in place.
// Every row gets its own random values (a row swapped with another, or a column moved, changes the
// results far beyond the bound; rows differing by a constant would not, softmax being shift-invariant),
// and the padding between and after the rows is checked (the tail block's masked loads and stores).
TEST_P(Softmax, TransposeEveryShortShape) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols = 1; cols <= 33; ++cols)
      for (std::size_t rows = 1; rows <= 33; ++rows) {
        strided<T> x(rows, cols, 3, 1), y(rows, cols, 5, 3), z(rows, cols, 3, 1);
        fill_uniform(x, T(-3), T(3), static_cast<std::uint32_t>(cols * 1000 + rows));
        t.softmax(x.data(), x.ld, y.data(), y.ld, rows, cols);
        ASSERT_TRUE(check_softmax(x, y)) << rows << "x" << cols;
        ASSERT_TRUE(y.padding_intact()) << rows << "x" << cols;
        ASSERT_TRUE(x.padding_intact()) << rows << "x" << cols;
        z.storage = x.storage;
        t.softmax(z.data(), z.ld, z.data(), z.ld, rows, cols);
        ASSERT_TRUE(bits_equal_rows(y, z)) << "in place, " << rows << "x" << cols;
        ASSERT_TRUE(z.padding_intact()) << "in place, " << rows << "x" << cols;
      }
  });
}

// One adversarial pattern per row, cycling: row r of the matrix gets pattern r % kPatterns.
constexpr std::size_t kPatterns = 12;
template <class T>
void adversarial_row(T* x, std::size_t cols, std::size_t pattern, std::mt19937& gen) {
  const T inf = std::numeric_limits<T>::infinity(), big = std::numeric_limits<T>::max();
  const T tiny = std::numeric_limits<T>::denorm_min(), nan = std::numeric_limits<T>::quiet_NaN();
  std::uniform_real_distribution<double> u(-5, 5);
  for (std::size_t j = 0; j < cols; ++j) x[j] = static_cast<T>(u(gen));
  const std::size_t k = gen() % cols;  // a position for the single special value
  switch (pattern) {
    case 0:  // +-1e4: the +1e4 entries share the mass, everything else underflows
      for (std::size_t j = 0; j < cols; ++j) x[j] = j % 3 == 0 ? T(1e4) : (j % 3 == 1 ? T(-1e4) : x[j]);
      break;
    case 1:  // 88.5 (exp overflows float without the max shift) and -103 (exp(-191.5) underflows)
      for (std::size_t j = 0; j < cols; ++j) x[j] = j % 2 ? T(88.5) : T(-103);
      break;
    case 2:  // +-max: x - m = -max - max overflows to -inf: exp gives 0
      for (std::size_t j = 0; j < cols; ++j) x[j] = j % 2 ? -big : big;
      break;
    case 3:  // all equal: exactly fl(1/cols) within the bound
      for (std::size_t j = 0; j < cols; ++j) x[j] = T(5.5);
      break;
    case 4:  // -inf entries (at least one finite): exactly 0
      for (std::size_t j = 0; j < cols; ++j)
        if (j % 3 == 1 || j == k) x[j] = -inf;
      x[(k + 1) % cols] = T(1);
      if (cols == 1) x[0] = T(1);
      break;
    case 5:  // one NaN: all NaN
      x[k] = nan;
      break;
    case 6:  // one +inf: all NaN
      x[k] = inf;
      break;
    case 7:  // all -inf: all NaN
      for (std::size_t j = 0; j < cols; ++j) x[j] = -inf;
      break;
    case 8:  // subnormal inputs and zeros: x - m is subnormal or 0, every exp is 1 up to rounding
      for (std::size_t j = 0; j < cols; ++j) x[j] = j % 3 == 0 ? T(0) : T(static_cast<T>(j % 7) * tiny * (j % 2 ? 1 : -1));
      break;
    case 9:  // terms around the underflow threshold: exp(x - m) subnormal or flushed
      for (std::size_t j = 0; j < cols; ++j) x[j] = j == k ? T(0) : static_cast<T>(-87.0 - 0.05 * static_cast<double>(j % 40));
      break;
    case 10:  // all equal to -max: the maximum is -max, every d = 0
      for (std::size_t j = 0; j < cols; ++j) x[j] = -big;
      break;
    default:  // a dominant element and a huge negative one
      x[k] = T(60);
      x[(k + 1) % cols] = T(-3e4);
      break;
  }
}

const std::vector<std::size_t> kAdversarialCols = {1, 2, 3, 5, 7, 10, 16, 17, 31, 33, 100, 1000};

TEST_P(Softmax, AdversarialValues) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    std::mt19937 gen(11);
    for (std::size_t cols : kAdversarialCols) {
      const std::size_t rows = 3 * kPatterns + 1;
      strided<T> x(rows, cols, 2, 1), y(rows, cols, 1, 2);
      for (std::size_t r = 0; r < rows; ++r) adversarial_row(&x(r, 0), cols, r % kPatterns, gen);
      t.softmax(x.data(), x.ld, y.data(), y.ld, rows, cols);
      ASSERT_TRUE(check_softmax(x, y)) << "cols " << cols;
      ASSERT_TRUE(y.padding_intact());
      // All-equal rows: exactly 1/cols rounded (every exp is exactly 1 and the sum exact).
      for (std::size_t r = 3; r < rows; r += kPatterns)
        for (std::size_t j = 0; j < cols; ++j) ASSERT_EQ(y(r, j), T(1) / static_cast<T>(cols)) << "cols " << cols;
    }
  });
}

// parallel_rows splits rows in multiples of the kernel's grain: 1 and 2 threads give the same bits.
TEST_P(Softmax, SameBitsForEveryThreadCount) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : {3, 10, 17, 100}) {
      const std::size_t rows = 101;
      strided<T> x(rows, cols, 1, 1), y1(rows, cols, 1, 1), y2(rows, cols, 1, 1);
      fill_logit_rows(x, 5);
      set_parallel_threshold(0);
      set_num_threads(1);
      t.softmax(x.data(), x.ld, y1.data(), y1.ld, rows, cols);
      set_num_threads(2);
      t.softmax(x.data(), x.ld, y2.data(), y2.ld, rows, cols);
      set_num_threads(0);
      set_parallel_threshold(default_parallel_threshold);
      ASSERT_TRUE(bits_equal_rows(y1, y2)) << "cols " << cols;
    }
  });
}

#if defined(__x86_64__) || defined(_M_X64)
// A caller running with flush-to-zero and denormals-are-zero (MXCSR bits 15 and 6) gets the same bits:
// the kernels clear both for their duration. Inputs with subnormals and outputs that underflow.
TEST_P(Softmax, FtzDazSetByCallerSameBits) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    std::mt19937 gen(3);
    for (std::size_t cols : {3, 17, 100}) {
      const std::size_t rows = 2 * kPatterns;
      strided<T> x(rows, cols, 1, 1), y1(rows, cols, 1, 1), y2(rows, cols, 1, 1);
      for (std::size_t r = 0; r < rows; ++r) adversarial_row(&x(r, 0), cols, r % 2 ? 8 : 9, gen);
      t.softmax(x.data(), x.ld, y1.data(), y1.ld, rows, cols);
      const unsigned saved = _mm_getcsr();
      _mm_setcsr(saved | (1u << 15) | (1u << 6));
      t.softmax(x.data(), x.ld, y2.data(), y2.ld, rows, cols);
      _mm_setcsr(saved);
      ASSERT_TRUE(bits_equal_rows(y1, y2)) << "cols " << cols;
    }
  });
}
#endif

NNSIMD_SPEC_STANDARD_SET_TEST(Softmax, softmax)
NNSIMD_INSTANTIATE_ISA_SUITE(Softmax);

}  // namespace
}  // namespace nnsimd::test
