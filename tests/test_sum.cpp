// sum (the numerator of every mean loss): in double, within gamma_(n-1) * sum|x| of the long-double sum
// (spec::sum_bound), for lengths around every vector and unroll boundary, mixed magnitudes and signs;
// the order depends on n only, so the same values at another address give the same bits.
#include <cstring>
#include <vector>

#include "test_util.hpp"

namespace nnsimd::test {
namespace {

class Sum : public IsaTest {};

// 0, 1, around L and 4 L for every double lane count L in {1, 2, 4, 8} (and the float ones), and long.
const std::vector<std::size_t>& sum_lengths() {
  static const std::vector<std::size_t> v = {0,  1,  2,  3,  4,  5,  7,  8,  9,  15, 16, 17,
                                             31, 32, 33, 63, 64, 65, 129, 1000, 10000};
  return v;
}

// Values of either sign with magnitudes spread over 2^-20 .. 2^20 (relative to T's precision the sum
// then cancels and rounds in every accumulator).
template <class T>
std::vector<T> mixed(std::size_t n, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> m(1, 2);
  std::vector<T> v(n + 1);
  for (auto& x : v) x = static_cast<T>(std::ldexp(m(gen), static_cast<int>(gen() % 41) - 20) * (gen() % 2 ? 1 : -1));
  return v;
}

TEST_P(Sum, WithinGammaBound) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t n : sum_lengths()) {
      const std::vector<T> v = mixed<T>(n, static_cast<std::uint32_t>(n));
      const T* x = v.data() + 1;  // misaligned
      long double abs = 0;
      for (std::size_t i = 0; i < n; ++i) abs += std::fabs(static_cast<long double>(x[i]));
      const double s = t.sum(x, n);
      EXPECT_TRUE(within(s, spec::sum_exact<T>(x, n), spec::sum_bound(abs, n))) << "n " << n;
    }
  });
}

TEST_P(Sum, EmptyIsZeroAndOneIsExact) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    const T one[1] = {T(0.1)};
    EXPECT_EQ(t.sum(one, 0), 0.0);
    EXPECT_EQ(t.sum(one, 1), static_cast<double>(one[0]));
    const T nan[3] = {T(1), std::numeric_limits<T>::quiet_NaN(), T(2)};
    EXPECT_TRUE(std::isnan(t.sum(nan, 3)));
  });
}

TEST_P(Sum, OrderFixedByLength) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t n : sum_lengths()) {
      const std::vector<T> v = mixed<T>(n, 77);
      std::vector<T> w(n + 8);
      std::memcpy(w.data() + 3, v.data(), n * sizeof(T));
      const double a = t.sum(v.data(), n), b = t.sum(w.data() + 3, n);
      EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << "n " << n;
    }
  });
}

NNSIMD_SPEC_STANDARD_SET_TEST(Sum, sum)
NNSIMD_INSTANTIATE_ISA_SUITE(Sum);

}  // namespace
}  // namespace nnsimd::test
