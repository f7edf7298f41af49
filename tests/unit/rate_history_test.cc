#include "live/rate_history.h"

#include <gtest/gtest.h>

#include <cstring>

namespace se {
namespace {

LabelledCounters Counters(const std::string& port, uint64_t accepts, uint64_t refused = 0) {
  LabelledCounters c{port, {}};
  std::memset(&c.counters, 0, sizeof(c.counters));
  c.counters.accepts = accepts;
  c.counters.connect_failures[SE_FAIL_REFUSED] = refused;
  c.counters.resets_sent[SE_DIR_INBOUND][SE_RST_NO_SOCKET] = refused;
  c.counters.resets_sent[SE_DIR_OUTBOUND][SE_RST_OTHER] = refused;
  return c;
}

TEST(RateHistoryTest, FirstRecordIsTheBaselineThenRatesPerSecond) {
  RateHistory h;
  h.Record(100, 2, {Counters("80", 10)});
  EXPECT_TRUE(h.Get().times.empty());
  EXPECT_TRUE(h.Latest().empty());
  h.Record(102, 2, {Counters("80", 30, 4)});
  const auto view = h.Get();
  ASSERT_EQ(view.times, (std::vector<double>{102}));
  const PortRates r = view.ports.at("80").at(0);
  EXPECT_FLOAT_EQ(r.accepts, 10);
  EXPECT_FLOAT_EQ(r.connect_failures, 2);
  EXPECT_FLOAT_EQ(r.resets_sent, 4);  // both directions and reasons
  EXPECT_FLOAT_EQ(h.Latest().at("80").accepts, 10);
}

TEST(RateHistoryTest, ALabelSeenLaterIsPaddedAndOneThatShrinksCountsZero) {
  RateHistory h;
  h.Record(0, 2, {Counters("other", 100)});
  h.Record(2, 2, {Counters("other", 120)});
  // Port 443 got its own slot: its counts are new, "other" stops growing.
  h.Record(4, 2, {Counters("443", 6), Counters("other", 110)});
  const auto view = h.Get();
  ASSERT_EQ(view.times.size(), 2u);
  ASSERT_EQ(view.ports.at("443").size(), 2u);
  EXPECT_FLOAT_EQ(view.ports.at("443")[0].accepts, 0);
  EXPECT_FLOAT_EQ(view.ports.at("443")[1].accepts, 3);
  EXPECT_FLOAT_EQ(view.ports.at("other")[0].accepts, 10);
  EXPECT_FLOAT_EQ(view.ports.at("other")[1].accepts, 0);
}

TEST(RateHistoryTest, KeepsAtMostCapacitySamplesOldestDropped) {
  RateHistory h(5);
  for (int i = 0; i <= 20; ++i) h.Record(i, 1, {Counters("80", static_cast<uint64_t>(i * i))});
  const auto view = h.Get();
  EXPECT_EQ(view.capacity, 5u);
  EXPECT_EQ(view.times, (std::vector<double>{16, 17, 18, 19, 20}));
  ASSERT_EQ(view.ports.at("80").size(), 5u);
  EXPECT_FLOAT_EQ(view.ports.at("80")[4].accepts, 20 * 20 - 19 * 19);
}

TEST(RateHistoryTest, ANonPositiveIntervalOnlyRebasesTheTotals) {
  RateHistory h;
  h.Record(0, 2, {Counters("80", 1)});
  h.Record(1, 0, {Counters("80", 50)});
  h.Record(3, 2, {Counters("80", 54)});
  ASSERT_EQ(h.Get().times.size(), 1u);
  EXPECT_FLOAT_EQ(h.Latest().at("80").accepts, 2);
}

}  // namespace
}  // namespace se
