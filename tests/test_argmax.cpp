// argmax: exact against numpy.argmax's rule (spec::argmax_row: first index of the maximum, first NaN
// wins) on every ISA: ties, NaN, +-inf, all -inf rows, long rows spanning several chunks, strided inputs,
// and the specification's standard set.
#include <vector>

#include "test_util.hpp"

namespace nnsimd::test {
namespace {

class Argmax : public IsaTest {};

TEST_P(Argmax, ExactEveryShapeStrided) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    for (std::size_t cols : argmax_col_counts())
      for (std::size_t rows : row_counts<T>(GetParam().target)) {
        if (cols > 1000 && rows > 17) continue;  // long rows: a few suffice
        strided<T> x(rows, cols);
        fill_scores(x, static_cast<std::uint32_t>(rows * 7919 + cols));
        std::vector<std::int32_t> idx(rows + 1, -7);
        t.argmax(x.data(), x.ld, idx.data(), rows, cols);
        for (std::size_t r = 0; r < rows; ++r)
          ASSERT_EQ(idx[r], spec::argmax_row(&x(r, 0), cols)) << rows << " x " << cols << " row " << r;
        EXPECT_EQ(idx[rows], -7) << "wrote past the last row";
        EXPECT_TRUE(x.padding_intact());
      }
  });
}

// Where the winner sits relative to chunk and vector boundaries: every position of a single maximum,
// of a first NaN, and of a tie with the maximum placed later, on a row of 3 chunks' length + a bit.
TEST_P(Argmax, EveryWinnerPosition) {
  with_table(GetParam(), [&]<class T>(const detail::kernel_table<T>& t) {
    // Both paths near each ISA's threshold (argmax_cfg::short_cols, 6 L; AVX-512 2 L): 10 columns run
    // across rows everywhere, 19 except in 2-lane and AVX-512 double, 47 only in AVX2 float, 48 along the
    // row everywhere. 64-257: around the x86 long path's groups of 4 vectors (AVX2) and the end of its
    // branchless index pass (256 floats, 128 doubles on AVX2 and AVX-512), every winner position.
    for (std::size_t cols : {std::size_t{10}, std::size_t{19}, std::size_t{47}, std::size_t{48}, std::size_t{64}, std::size_t{65},
                             std::size_t{128}, std::size_t{129}, std::size_t{256}, std::size_t{257}, std::size_t{3 * 1024 + 5}}) {
      const std::size_t step = cols > 300 ? 37 : 1;
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
        ASSERT_EQ(idx[r], spec::argmax_row(&x(r, 0), cols)) << cols << " row " << r << " pos " << pos[r];
    }
  });
}

NNSIMD_SPEC_STANDARD_SET_TEST(Argmax, argmax)
NNSIMD_INSTANTIATE_ISA_SUITE(Argmax);

}  // namespace
}  // namespace nnsimd::test
