// How many threads a call gets (detail::threads_for, src/threading.cpp): one below the parallel
// threshold, a second thread only when an even split pays for the parallel region (its cost is taken as
// half the threshold per extra thread), t threads only when each gets (t - 1) * threshold / 2, and
// uneven grain splits charged for their largest share. Results do not depend on this choice
// (test_threading checks that); this is about never making a call slower than one thread.
#include <gtest/gtest.h>

#include "nnsimd/detail/runtime.hpp"
#include "nnsimd/nnsimd.hpp"

namespace nnsimd::test {
namespace {

// Restores the thread count and threshold whatever a test sets.
struct threading_guard {
  std::size_t threshold = parallel_threshold();
  ~threading_guard() {
    set_num_threads(0);
    set_parallel_threshold(threshold);
  }
};

// Skips unless the build has OpenMP (set_num_threads takes effect).
bool have_threads(int n) {
  set_num_threads(n);
  return num_threads() == n;
}

using detail::threads_for;

TEST(ParallelThreshold, BelowThresholdStaysOnOneThread) {
  threading_guard g;
  if (!have_threads(2)) GTEST_SKIP() << "built without OpenMP";
  set_parallel_threshold(1000);
  EXPECT_EQ(threads_for(999, 1, 1), 1);
  EXPECT_EQ(threads_for(1, 999, 1), 1);
  EXPECT_EQ(threads_for(0, 5, 1), 1);
  EXPECT_EQ(threads_for(7, 0, 1), 1);
  // At the threshold an even split only ties (500 + region 500 against 1000): ties stay on one thread.
  EXPECT_EQ(threads_for(1000, 1, 1), 1);
  EXPECT_EQ(threads_for(1002, 1, 1), 2);
}

TEST(ParallelThreshold, UnevenGrainsNeedMoreWork) {
  threading_guard g;
  if (!have_threads(2)) GTEST_SKIP() << "built without OpenMP";
  set_parallel_threshold(1000);
  // 23 rows in grains of 16 split 16 + 7: 16 w + 500 < 23 w needs w > 71.4.
  EXPECT_EQ(threads_for(23, 71, 16), 1);
  EXPECT_EQ(threads_for(23, 72, 16), 2);
  // A single grain cannot be split whatever its work.
  EXPECT_EQ(threads_for(16, 1'000'000, 16), 1);
  EXPECT_EQ(threads_for(1, 1'000'000, 1), 1);
}

TEST(ParallelThreshold, MoreThreadsOnlyWhenEachGetsHalfTheThreshold) {
  threading_guard g;
  if (!have_threads(8)) GTEST_SKIP() << "built without OpenMP";
  set_parallel_threshold(1000);
  // Evenly divisible work W: t threads cost W / t + 500 (t - 1), so t + 1 beats t when W > 500 t (t + 1).
  EXPECT_EQ(threads_for(1200, 1, 1), 2);   // 3 threads need W > 3000
  EXPECT_EQ(threads_for(3600, 1, 1), 3);   // 3600/3 + 500 = 1700 < 3600/2 + 500; 4 need W > 6000
  EXPECT_EQ(threads_for(6000, 1, 1), 3);   // 4 threads tie with 3 at W = 6000: fewer wins
  EXPECT_EQ(threads_for(80000, 1, 1), 8);  // capped by num_threads()
  for (std::size_t w : {1001, 2000, 5000, 20000, 100000}) {
    const int t = threads_for(w, 1, 1);
    if (t > 1) {
      EXPECT_GE(w / static_cast<std::size_t>(t), 500 * static_cast<std::size_t>(t - 1)) << w;
    }
  }
  // Capped by the number of grains.
  EXPECT_EQ(threads_for(3, 1'000'000, 1), 3);
}

TEST(ParallelThreshold, ZeroSplitsEveryCallWithTwoGrains) {
  threading_guard g;
  if (!have_threads(3)) GTEST_SKIP() << "built without OpenMP";
  set_parallel_threshold(0);
  EXPECT_EQ(threads_for(1, 1, 1), 1);
  EXPECT_EQ(threads_for(2, 1, 1), 2);
  EXPECT_EQ(threads_for(37, 1, 16), 3);
  EXPECT_EQ(threads_for(100, 0, 1), 3);
}

TEST(ParallelThreshold, NeverFromInsideAParallelRegion) {
  threading_guard g;
  if (!have_threads(2)) GTEST_SKIP() << "built without OpenMP";
  set_parallel_threshold(0);
  int inner = 0;
#if defined(_OPENMP)
#pragma omp parallel num_threads(2)
  {
#pragma omp single
    inner = threads_for(1000, 1000, 1);
  }
#endif
  EXPECT_EQ(inner, 1);
}

// The default threshold is in estimated picoseconds (see nnsimd.hpp): the book's 300-row calls, at a
// few nanoseconds a row at most, stay far below it, and a big call (64 x 32000 softmax, about 0.5 ms)
// splits.
TEST(ParallelThreshold, DefaultKeepsTheBookOnOneThread) {
  threading_guard g;
  if (!have_threads(2)) GTEST_SKIP() << "built without OpenMP";
  set_parallel_threshold(default_parallel_threshold);
  EXPECT_EQ(threads_for(300, 4300, 16), 1);                  // softmax 300 x 3: 4.3 ns a row
  EXPECT_EQ(threads_for(300, 18 * 3 * 3 + 60 * 6, 1), 1);   // dense 300 x 3 -> 3
  EXPECT_EQ(threads_for(64, 230 * 32000 + 6000, 1), 2);      // softmax 64 x 32000
}

}  // namespace
}  // namespace nnsimd::test
