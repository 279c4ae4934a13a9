// The streaming-store threshold (src/streaming.cpp): the knee rule on curves whose answer is known, and
// the policy this machine measured. Outputs do not depend on it (test_relu / test_clip compare streamed
// and ordinary results bit for bit); NNSIMD_STREAMING_STORE_BYTES is checked in processes of its own
// (streaming_env_probe, tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <vector>

#include "nnsimd/detail/runtime.hpp"
#include "nnsimd/machine.hpp"

namespace nnsimd::test {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;
constexpr std::size_t kNever = static_cast<std::size_t>(-1);

// A curve over 1, 2, 4, ... MiB; ratio[i] = streamed time / ordinary time at size i.
std::vector<streaming_sample> curve(const std::vector<double>& ratio) {
  std::vector<streaming_sample> c;
  std::size_t ws = kMiB;
  for (double r : ratio) c.push_back({ws, 1.0, r}), ws *= 2;
  return c;
}

TEST(StreamingKnee, NeverWhenStreamingLosesAtTheLargestSize) {
  EXPECT_EQ(streaming_knee({}), kNever);
  EXPECT_EQ(streaming_knee(curve({2.0, 1.5, 1.2, 1.0})), kNever);
  // A win at a small size (noise) does not count when the largest size is lost.
  EXPECT_EQ(streaming_knee(curve({0.5, 1.2, 1.1, 0.97})), kNever);
}

TEST(StreamingKnee, AboveTheLargestSizeWhereStreamingDoesNotWin) {
  // Loses up to 4 MiB, wins from 8 MiB: the knee is between 4 and 8 MiB, taken as 4 MiB x sqrt(2).
  EXPECT_EQ(streaming_knee(curve({2.0, 1.5, 1.1, 0.8, 0.7, 0.6})), static_cast<std::size_t>(4 * kMiB * 1.4142135623730951));
  // A spurious win below a loss: the loss at 8 MiB decides.
  EXPECT_EQ(streaming_knee(curve({2.0, 0.9, 1.1, 1.0, 0.7, 0.6})), static_cast<std::size_t>(8 * kMiB * 1.4142135623730951));
  // Within 5% is a tie, and a tie keeps ordinary stores (the output stays in the cache for its reader).
  EXPECT_EQ(streaming_knee(curve({1.5, 0.96, 0.8})), static_cast<std::size_t>(2 * kMiB * 1.4142135623730951));
}

TEST(StreamingKnee, BelowTheFirstSizeWhenStreamingAlwaysWins) {
  EXPECT_EQ(streaming_knee(curve({0.9, 0.8, 0.7})), static_cast<std::size_t>(kMiB / 2 * 1.4142135623730951));
}

// What this machine measured (about 0.3-2 s, once per process): a curve of doubling working sets from
// the private caches up, a threshold the knee rule gives for it, and kernels that follow it.
TEST(StreamingPolicy, MeasuredHereFollowsTheKneeRule) {
  const streaming_policy& p = streaming_stores();
  EXPECT_FALSE(p.source.empty());
#if defined(__x86_64__)
  if (p.source.rfind("NNSIMD_STREAMING_STORE_BYTES", 0) == 0) GTEST_SKIP() << "set by the environment: " << p.source;
  ASSERT_FALSE(p.curve.empty()) << p.source;
  EXPECT_NE(p.source.find("measured"), std::string::npos) << p.source;
  EXPECT_GE(p.curve.front().ws_bytes, kMiB);
  for (std::size_t i = 0; i < p.curve.size(); ++i) {
    EXPECT_GT(p.curve[i].regular_s, 0.0);
    EXPECT_GT(p.curve[i].streamed_s, 0.0);
    if (i) {
      EXPECT_EQ(p.curve[i].ws_bytes, 2 * p.curve[i - 1].ws_bytes);
    }
  }
  EXPECT_GE(p.curve.back().ws_bytes, 64 * kMiB);
  EXPECT_EQ(p.bytes, streaming_knee(p.curve));
  // The kernels' decision: nothing within the private caches, everything above the threshold.
  EXPECT_FALSE(detail::stream_stores(p.curve.front().ws_bytes / 2));
  if (p.bytes != kNever) {
    EXPECT_TRUE(detail::stream_stores(p.bytes + 1) || p.bytes + 1 <= p.curve.front().ws_bytes);
    EXPECT_FALSE(detail::stream_stores(p.bytes));
  }
#else
  EXPECT_EQ(p.bytes, kNever);
  EXPECT_TRUE(p.curve.empty());
#endif
}

}  // namespace
}  // namespace nnsimd::test
