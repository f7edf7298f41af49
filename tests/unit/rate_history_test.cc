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

static_assert(sizeof(PortRates) == 17 * sizeof(float), "docs/api.md states the history's memory");

TEST(RateHistoryTest, RetransmissionsAndUdpAreRatesOfTheirCounterDeltasSummedOverDirections) {
  LabelledCounters c = Counters("53", 0);
  RateHistory h;
  h.Record(0, 2, {c});
  c.counters.retransmits[SE_DIR_INBOUND] = 3;
  c.counters.retransmits[SE_DIR_OUTBOUND] = 1;
  c.counters.data_segments_at_retransmit[SE_DIR_INBOUND] = 40;  // sent segments: both sums
  c.counters.data_segments_at_close[SE_DIR_OUTBOUND] = 160;
  c.counters.udp_received_datagrams[SE_DIR_INBOUND] = 100;
  c.counters.udp_received_datagrams[SE_DIR_OUTBOUND] = 2;
  c.counters.udp_received_bytes[SE_DIR_INBOUND] = 6400;
  c.counters.udp_sent_datagrams[SE_DIR_INBOUND] = 98;
  c.counters.udp_sent_bytes[SE_DIR_INBOUND] = 9800;
  c.counters.udp_drops[SE_UDP_DROP_RCVBUF] = 10;
  c.counters.udp_drops[SE_UDP_DROP_CHECKSUM] = 1;
  c.counters.udp_no_socket = 7;
  h.Record(4, 4, {c});
  const PortRates r = h.Latest().at("53");
  EXPECT_FLOAT_EQ(r.retransmitted_segments, 1);
  EXPECT_FLOAT_EQ(r.sent_segments, 50);
  EXPECT_FLOAT_EQ(r.udp_received_datagrams, 25.5);
  EXPECT_FLOAT_EQ(r.udp_received_bytes, 1600);
  EXPECT_FLOAT_EQ(r.udp_sent_datagrams, 24.5);
  EXPECT_FLOAT_EQ(r.udp_sent_bytes, 2450);
  EXPECT_FLOAT_EQ(r.udp_drops[SE_UDP_DROP_RCVBUF], 2.5);
  EXPECT_FLOAT_EQ(r.udp_drops[SE_UDP_DROP_MEMORY], 0);
  EXPECT_FLOAT_EQ(r.udp_drops[SE_UDP_DROP_CHECKSUM], 0.25);
  EXPECT_FLOAT_EQ(r.udp_no_socket, 1.75);
  EXPECT_FLOAT_EQ(r.accepts, 0);
}

TEST(RateHistoryTest, TotalsOfSumDirectionsAndKeepDropReasons) {
  se_port_counters c;
  std::memset(&c, 0, sizeof(c));
  c.retransmits[SE_DIR_OUTBOUND] = 5;
  c.data_segments_at_retransmit[SE_DIR_OUTBOUND] = 50;
  c.data_segments_at_close[SE_DIR_INBOUND] = 7;
  c.udp_sent_bytes[SE_DIR_INBOUND] = 1;
  c.udp_sent_bytes[SE_DIR_OUTBOUND] = 2;
  c.udp_drops[SE_UDP_DROP_OTHER] = 9;
  const RateTotals t = TotalsOf(c);
  EXPECT_EQ(t.retransmitted_segments, 5u);
  EXPECT_EQ(t.sent_segments, 57u);
  EXPECT_EQ(t.udp_sent_bytes, 3u);
  EXPECT_EQ(t.udp_drops[SE_UDP_DROP_OTHER], 9u);
  EXPECT_EQ(t.udp_drops[SE_UDP_DROP_RCVBUF], 0u);
}

TEST(RateHistoryTest, RatesBetweenCountsATotalThatWentDownAsZero) {
  RateTotals before, now;
  before.udp_received_datagrams = 50;
  now.udp_received_datagrams = 20;
  before.udp_drops[SE_UDP_DROP_MEMORY] = 4;
  now.udp_drops[SE_UDP_DROP_MEMORY] = 10;
  const PortRates r = RatesBetween(now, before, 3);
  EXPECT_FLOAT_EQ(r.udp_received_datagrams, 0);
  EXPECT_FLOAT_EQ(r.udp_drops[SE_UDP_DROP_MEMORY], 2);
}

}  // namespace
}  // namespace se
