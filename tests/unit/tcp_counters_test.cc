#include "collectors/tcp_counters.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

namespace se {
namespace {

se_port_counters Zero() {
  se_port_counters c;
  std::memset(&c, 0, sizeof(c));
  return c;
}

const prometheus::MetricFamily& Family(const std::vector<prometheus::MetricFamily>& fs,
                                       const std::string& name) {
  for (const auto& f : fs) {
    if (f.name == name) return f;
  }
  throw std::runtime_error("no family " + name);
}

std::map<std::string, double> Series(const prometheus::MetricFamily& f) {
  std::map<std::string, double> out;
  for (const auto& m : f.metric) {
    std::string key;
    for (const auto& l : m.label) key += l.name + "=" + l.value + ",";
    out[key] = f.type == prometheus::MetricType::Counter
                   ? m.counter.value
                   : static_cast<double>(m.histogram.sample_count);
  }
  return out;
}

TEST(TcpCountersTest, FoldsSlotZeroAndUnnamedSlotsIntoOtherPreservingTotals) {
  std::vector<se_port_counters> slots(4, Zero());
  slots[0].connects = 5;  // "other"
  slots[1].connects = 2;  // port 443
  slots[2].connects = 7;  // slot wasted by a lost allocation race: no port
  slots[3].connects = 1;  // port 80
  const auto folded = FoldSlots(slots, PortFolding({0, 443, 0, 80}));
  ASSERT_EQ(folded.size(), 3u);
  EXPECT_EQ(folded[0].port, "80");
  EXPECT_EQ(folded[1].port, "443");
  EXPECT_EQ(folded[2].port, "other");
  EXPECT_EQ(folded[2].counters.connects, 12u);
  const auto fs = BuildTcpCounterFamilies(folded);
  EXPECT_EQ(
      Series(Family(fs, "socket_tcp_connects_total")),
      (std::map<std::string, double>{{"port=80,", 1}, {"port=443,", 2}, {"port=other,", 12}}));
}

TEST(TcpCountersTest, EmitsAllReasonsOnceAPortHasAnyFailure) {
  auto c = Zero();
  c.connect_failures[SE_FAIL_TIMEOUT] = 3;
  c.resets_sent[SE_DIR_INBOUND][SE_RST_NO_SOCKET] = 4;
  const auto fs = BuildTcpCounterFamilies({{"22", c}});
  EXPECT_EQ(Series(Family(fs, "socket_tcp_connect_failures_total")),
            (std::map<std::string, double>{{"port=22,reason=other,", 0},
                                           {"port=22,reason=refused,", 0},
                                           {"port=22,reason=timeout,", 3},
                                           {"port=22,reason=unreachable,", 0}}));
  const auto rst = Series(Family(fs, "socket_tcp_resets_sent_total"));
  EXPECT_EQ(rst.size(), 4u);
  EXPECT_EQ(rst.at("direction=inbound,port=22,reason=no_socket,"), 4);
  EXPECT_TRUE(Family(fs, "socket_tcp_accepts_total").metric.empty());
}

TEST(TcpCountersTest, HistogramBucketsAreCumulativeInSeconds) {
  auto c = Zero();
  c.connect_duration.buckets[0] = 1;               // <= 1.024 us
  c.connect_duration.buckets[3] = 2;               // <= 8.192 us
  c.connect_duration.buckets[SE_HIST_FINITE] = 1;  // +Inf
  c.connect_duration.sum_ns = 2500000000ULL;
  const auto fs = BuildTcpCounterFamilies({{"80", c}});
  const auto& h = Family(fs, "socket_tcp_connect_duration_seconds").metric.at(0).histogram;
  EXPECT_EQ(h.sample_count, 4u);
  EXPECT_DOUBLE_EQ(h.sample_sum, 2.5);
  ASSERT_EQ(h.bucket.size(), static_cast<size_t>(SE_HIST_BUCKETS));
  EXPECT_DOUBLE_EQ(h.bucket[0].upper_bound, 1.024e-6);
  EXPECT_EQ(h.bucket[0].cumulative_count, 1u);
  EXPECT_EQ(h.bucket[2].cumulative_count, 1u);
  EXPECT_EQ(h.bucket[3].cumulative_count, 3u);
  EXPECT_EQ(h.bucket[SE_HIST_FINITE - 1].cumulative_count, 3u);
  EXPECT_TRUE(std::isinf(h.bucket[SE_HIST_FINITE].upper_bound));
  EXPECT_EQ(h.bucket[SE_HIST_FINITE].cumulative_count, 4u);
}

TEST(TcpCountersTest, BytesAndDurationsPerDirection) {
  auto c = Zero();
  c.conn_duration[SE_DIR_OUTBOUND].buckets[5] = 2;
  c.bytes_sent[SE_DIR_OUTBOUND] = 100;
  c.bytes_received[SE_DIR_OUTBOUND] = 900;
  const auto fs = BuildTcpCounterFamilies({{"5000", c}});
  EXPECT_EQ(Series(Family(fs, "socket_tcp_sent_bytes_total")),
            (std::map<std::string, double>{{"direction=outbound,port=5000,", 100}}));
  EXPECT_EQ(Series(Family(fs, "socket_tcp_received_bytes_total")),
            (std::map<std::string, double>{{"direction=outbound,port=5000,", 900}}));
  EXPECT_EQ(Series(Family(fs, "socket_tcp_connection_duration_seconds")),
            (std::map<std::string, double>{{"direction=outbound,port=5000,", 2}}));
}

}  // namespace
}  // namespace se
