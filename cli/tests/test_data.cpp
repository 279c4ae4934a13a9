// src/data against values printed by NumPy 1.24 (stored here, so this test runs without Python):
//   np.random.seed(0); np.random.randn(6)  and, under nnfs.init(), spiral_data(100, 3) and the chapter's
//   weights. check_data.py compares everything, bit for bit, when NumPy is installed.
#include <gtest/gtest.h>

#include "data/spiral.hpp"

namespace {

TEST(NumpyLegacyRng, FirstNormalsOfSeedZero) {
  nnsimd::data::numpy_legacy_rng rng(0);
  const double want[] = {0x1.c398ef3e5cfa5p+0, 0x1.99c2cfacc8953p-2, 0x1.f51d25222c9abp-1,
                         0x1.1ed5969e3314ep+1, 0x1.de1847cb13ddap+0, -0x1.f45dc42a58c82p-1};
  for (double w : want) EXPECT_EQ(rng.gauss(), w);
  rng.reseed(0);  // np.random.seed(0) again drops the cached second normal
  EXPECT_EQ(rng.gauss(), want[0]);
  EXPECT_EQ(rng.gauss(), want[1]);
}

TEST(SpiralData, BookDataAndWeightsBitExact) {
  const auto in = nnsimd::data::chapter5_inputs(100, 3, 3);
  ASSERT_EQ(in.data.X.size(), 600u);
  struct row {
    std::size_t i;
    float x0, x1;
  };
  const row rows[] = {{0, 0.0f, 0.0f},
                      {1, 0x1.88a236p-9f, 0x1.3c199cp-7f},
                      {2, 0x1.a61568p-7f, 0x1.fdf6a2p-7f},
                      {99, -0x1.66b30ep-1f, -0x1.6d58f0p-1f},
                      {150, 0x1.49d414p-2f, -0x1.8e58a8p-2f},
                      {299, -0x1.e2b536p-1f, 0x1.55645ep-2f}};
  for (const auto& r : rows) {
    EXPECT_EQ(in.data.X[2 * r.i], r.x0) << "row " << r.i;
    EXPECT_EQ(in.data.X[2 * r.i + 1], r.x1) << "row " << r.i;
  }
  EXPECT_EQ(in.data.y[0], 0);
  EXPECT_EQ(in.data.y[150], 1);
  EXPECT_EQ(in.data.y[299], 2);
  const float w1[] = {-0x1.ac1f6ap-7f, 0x1.0fab0ap-6f, -0x1.35c28cp-10f,
                      -0x1.bdc2f8p-8f, 0x1.b4b888p-8f, -0x1.2deff4p-8f};
  const float w2[] = {-0x1.b535b6p-7f, -0x1.b94ad8p-7f, 0x1.c6abd2p-8f, -0x1.a24feap-10f, -0x1.5e7d9ap-10f,
                      0x1.6127b2p-7f,  -0x1.713d00p-7f, -0x1.dedb60p-8f, -0x1.f8783ap-9f};
  for (int k = 0; k < 6; ++k) EXPECT_EQ(in.w1[k], w1[k]) << "w1[" << k << "]";
  for (int k = 0; k < 9; ++k) EXPECT_EQ(in.w2[k], w2[k]) << "w2[" << k << "]";
  for (float b : in.b1) EXPECT_EQ(b, 0.0f);
}

}  // namespace
