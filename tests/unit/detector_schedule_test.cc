#include "detectors/detector_schedule.h"

#include <gtest/gtest.h>

namespace se {
namespace {

using std::chrono::milliseconds;
using Clock = DetectorSchedule::Clock;

Config Cadences(int flood_ms, int scan_ms, int policy_ms) {
  Config c;
  c.syn_flood.tick = milliseconds(flood_ms);
  c.port_scan.tick = milliseconds(scan_ms);
  c.policy.tick = milliseconds(policy_ms);
  return c;
}

TEST(DetectorScheduleTest, EachDetectorRunsAtItsOwnCadence) {
  const Clock::time_point t0{};
  DetectorSchedule s(Cadences(1000, 200, 500), t0);
  EXPECT_EQ(s.NextDue(), t0 + milliseconds(200));
  int runs[kDetectorCount] = {};
  for (int ms = 100; ms <= 2000; ms += 100) {
    const auto due = s.TakeDue(t0 + milliseconds(ms));
    for (Detector d : kTickOrder) runs[static_cast<int>(d)] += due[d];
  }
  EXPECT_EQ(runs[static_cast<int>(Detector::kSynFlood)], 2);
  EXPECT_EQ(runs[static_cast<int>(Detector::kPortScan)], 10);
  EXPECT_EQ(runs[static_cast<int>(Detector::kPolicy)], 4);
}

TEST(DetectorScheduleTest, ElapsedIsTheTimeSinceTheDetectorLastRan) {
  const Clock::time_point t0{};
  DetectorSchedule s(Cadences(1000, 1000, 1000), t0);
  EXPECT_FALSE(s.TakeDue(t0 + milliseconds(999)).Any());
  auto due = s.TakeDue(t0 + milliseconds(1250));  // a late wake-up
  ASSERT_TRUE(due[Detector::kSynFlood]);
  EXPECT_DOUBLE_EQ(due.Elapsed(Detector::kSynFlood), 1.25);
  due = s.TakeDue(t0 + milliseconds(2250));
  EXPECT_DOUBLE_EQ(due.Elapsed(Detector::kSynFlood), 1.0);
  EXPECT_EQ(s.NextDue(), t0 + milliseconds(3250));
}

TEST(DetectorScheduleTest, NewCadencesCountFromEachDetectorsLastRun) {
  const Clock::time_point t0{};
  DetectorSchedule s(Cadences(1000, 1000, 1000), t0);
  ASSERT_TRUE(s.TakeDue(t0 + milliseconds(1000)).Any());
  s.SetCadences(Cadences(5000, 100, 1000));
  EXPECT_EQ(s.NextDue(), t0 + milliseconds(1100));
  const auto due = s.TakeDue(t0 + milliseconds(1100));
  EXPECT_FALSE(due[Detector::kSynFlood]);
  EXPECT_TRUE(due[Detector::kPortScan]);
  EXPECT_FALSE(due[Detector::kPolicy]);
  EXPECT_FALSE(s.TakeDue(t0 + milliseconds(5999))[Detector::kSynFlood]);
  EXPECT_TRUE(s.TakeDue(t0 + milliseconds(6000))[Detector::kSynFlood]);
}

}  // namespace
}  // namespace se
