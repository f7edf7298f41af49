#include "memory/trim_policy.h"

#include <gtest/gtest.h>

namespace se {
namespace {

using std::chrono::seconds;
using Clock = TrimPolicy::Clock;
constexpr uint64_t kMiB = 1 << 20;

TrimPolicy::Limits Limits() { return TrimPolicy::Limits{seconds(60), seconds(5), kMiB}; }

TEST(TrimPolicyTest, TheFirstTickAfterATrimMeasuresTheWorkingSet) {
  const Clock::time_point t0{};
  TrimPolicy p(Limits(), t0);
  EXPECT_FALSE(p.Due(t0 + seconds(1), 40 * kMiB));
  ASSERT_TRUE(p.working_set().has_value());
  EXPECT_EQ(*p.working_set(), 40 * kMiB);
}

TEST(TrimPolicyTest, GrowthWithinTheSlackIsLeftAlone) {
  const Clock::time_point t0{};
  TrimPolicy p(Limits(), t0);
  p.Due(t0 + seconds(1), 64 * kMiB);  // slack: 64 MiB / 32 = 2 MiB
  EXPECT_FALSE(p.Due(t0 + seconds(10), 66 * kMiB));
  EXPECT_TRUE(p.Due(t0 + seconds(11), 66 * kMiB + 1));
}

TEST(TrimPolicyTest, SmallHeapsGetAtLeastTheMinimumSlack) {
  const Clock::time_point t0{};
  TrimPolicy p(Limits(), t0);
  p.Due(t0 + seconds(1), 8 * kMiB);  // 8 MiB / 32 = 256 KiB < 1 MiB
  EXPECT_FALSE(p.Due(t0 + seconds(10), 9 * kMiB));
  EXPECT_TRUE(p.Due(t0 + seconds(10), 9 * kMiB + 1));
}

TEST(TrimPolicyTest, GrowthTrimsAtMostOncePerInterval) {
  const Clock::time_point t0{};
  TrimPolicy p(Limits(), t0);
  p.Due(t0 + seconds(1), 20 * kMiB);
  EXPECT_FALSE(p.Due(t0 + seconds(4), 30 * kMiB));  // grown, but trimmed 4 s ago
  EXPECT_TRUE(p.Due(t0 + seconds(5), 30 * kMiB));
  p.Trimmed(t0 + seconds(5));
  EXPECT_FALSE(p.working_set().has_value());
  EXPECT_FALSE(p.Due(t0 + seconds(6), 20 * kMiB));  // measured again
  EXPECT_FALSE(p.Due(t0 + seconds(9), 30 * kMiB));
  EXPECT_TRUE(p.Due(t0 + seconds(10), 30 * kMiB));
}

TEST(TrimPolicyTest, FreeMemoryGoesBackWithinTheIntervalWhateverTheGrowth) {
  const Clock::time_point t0{};
  TrimPolicy p(Limits(), t0);
  EXPECT_FALSE(p.Due(t0 + seconds(1), 20 * kMiB));
  EXPECT_FALSE(p.Due(t0 + seconds(59), 20 * kMiB));
  EXPECT_TRUE(p.Due(t0 + seconds(60), 20 * kMiB));
  p.Trimmed(t0 + seconds(60));
  EXPECT_FALSE(p.Due(t0 + seconds(119), 15 * kMiB));
  EXPECT_TRUE(p.Due(t0 + seconds(120), 15 * kMiB));
}

TEST(TrimPolicyTest, AShrinkingResidentSetNeverTriggersATrim) {
  const Clock::time_point t0{};
  TrimPolicy p(Limits(), t0);
  p.Due(t0 + seconds(1), 30 * kMiB);
  for (int s = 6; s < 60; ++s) EXPECT_FALSE(p.Due(t0 + seconds(s), 25 * kMiB)) << s;
}

}  // namespace
}  // namespace se
