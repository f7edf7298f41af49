// Connection quality per port: retransmitted segments (counted while connections live) and the
// smoothed RTT at close, over a veth link whose far end drops a known set of data segments (a
// TC program) or whose near end queues behind a token bucket (tbf). Checked against
// the namespace's TcpRetransSegs (nstat) and each socket's own tcpi_rtt (TCP_INFO).
#include <gtest/gtest.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cmath>
#include <thread>

#include "harness/expectations.h"
#include "harness/link_shaping.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"
#include "harness/veth_test.h"

namespace se::test {
namespace {

constexpr char kRetransmits[] = "socket_tcp_retransmitted_segments_total";
constexpr char kRtt[] = "socket_tcp_rtt_seconds";

UniqueFd Accept(int listener) {
  pollfd p{listener, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(kIoTimeout.count())) != 1) return UniqueFd();
  return UniqueFd(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
}

// Reads exactly n bytes (bounded by the I/O timeout per read); returns how many came.
size_t ReadBytes(int fd, size_t n) {
  char buf[65536];
  size_t got = 0;
  while (got < n) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(kIoTimeout.count())) != 1) break;
    const ssize_t r = recv(fd, buf, std::min(sizeof(buf), n - got), 0);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

// Waits until everything fd sent is acknowledged (SIOCOUTQ 0), up to 20 s.
bool AllAcked(int fd) {
  for (int i = 0; i < 2000; ++i) {
    int unacked = 0;
    if (ioctl(fd, SIOCOUTQ, &unacked) == 0 && unacked == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

uint32_t SmoothedRttUs(int fd) {
  tcp_info info{};
  socklen_t len = sizeof(info);
  getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len);
  return info.tcpi_rtt;
}

// A connection from `from` to a listener in `to`, with both ends.
struct Connection {
  UniqueFd client, server;
};
Connection Connect(const Netns& from, const Netns& to, const Endpoint& ep) {
  UniqueFd listener;
  to.RunIn([&] { listener = ListenTcp(ep, 4); });
  Connection c;
  from.RunIn([&] { c.client = ConnectTcp(ep, kIoTimeout).fd; });
  c.server = Accept(listener.get());
  return c;
}

class ExporterTcpQualityTest : public VethExporterTest {
 protected:
  // Sends `bytes` from `sender` to `receiver` and waits until all are read and acknowledged.
  static void Transfer(int sender, int receiver, size_t bytes) {
    size_t read = 0;
    std::thread reader([&] { read = ReadBytes(receiver, bytes); });
    EXPECT_TRUE(WriteBytes(sender, bytes));
    reader.join();
    ASSERT_EQ(read, bytes);
    ASSERT_TRUE(AllAcked(sender));
  }
  // Retransmissions counted on (direction, port) while the connection stays open, then after it
  // closed: each time exactly the namespace's TcpRetransSegs.
  void ExpectRetransmits(Connection c, int sender, const char* direction, uint16_t port) {
    DropDataSegments(client_);
    Transfer(sender, sender == c.client.get() ? c.server.get() : c.client.get(), 8 << 20);
    const uint64_t kernel = Nstat(ns_, "TcpRetransSegs");
    EXPECT_GE(kernel, 12u) << "the TC program drops 12 data segments";
    const Labels labels = PortLabels(port, {{"direction", direction}});
    ParsedMetrics m = exporter_->ScrapeUntil(Reached({{kRetransmits, labels, double(kernel)}}));
    EXPECT_EQ(m.Value(kRetransmits, labels), kernel) << m.Dump(kRetransmits);
    EXPECT_EQ(m.Sum(kRetransmits), kernel);
    // Still open across a second scrape; closing adds nothing more.
    m = exporter_->Scrape();
    EXPECT_EQ(m.Sum(kRetransmits), kernel);
    c.client.reset();
    c.server.reset();
    m = exporter_->ScrapeUntil(
        [&](const ParsedMetrics& p) { return p.Has("socket_tcp_connection_duration_seconds_count"); });
    EXPECT_EQ(m.Sum(kRetransmits), Nstat(ns_, "TcpRetransSegs")) << m.Dump(kRetransmits);
    // Every data segment, first sends and retransmissions, once the connection closed. The
    // kernel's TCPOrigDataSent also counts the FIN, which carries no data.
    EXPECT_EQ(m.Sum("socket_tcp_sent_segments_total"),
              Nstat(ns_, "TcpExtTCPOrigDataSent") + Nstat(ns_, "TcpRetransSegs") - 1)
        << m.Dump("socket_tcp_sent_segments_total");
  }
};

TEST_F(ExporterTcpQualityTest, InboundRetransmissionsCountLiveAndMatchTcpRetransSegsIpv4) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7500;
  Connection c = Connect(client_, ns_, {VethLink::kServer4, kPort});
  ASSERT_TRUE(c.client && c.server);
  const int sender = c.server.get();
  ExpectRetransmits(std::move(c), sender, "inbound", kPort);
}

TEST_F(ExporterTcpQualityTest, OutboundRetransmissionsCountLiveAndMatchTcpRetransSegsIpv6) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7600;
  Connection c = Connect(ns_, client_, {VethLink::kClient6, kPort});
  ASSERT_TRUE(c.client && c.server);
  const int sender = c.client.get();
  ExpectRetransmits(std::move(c), sender, "outbound", kPort);
}

// Cumulative count of observations (ns) at or below each bucket bound of the scraped histogram.
void ExpectBuckets(const ParsedMetrics& m, const Labels& labels, const std::vector<uint64_t>& ns) {
  const std::vector<Sample> buckets = m.Matching(std::string(kRtt) + "_bucket", labels);
  ASSERT_FALSE(buckets.empty()) << m.Dump(kRtt);
  for (const Sample& b : buckets) {
    const std::string le = b.labels.at("le");
    double want = 0;
    for (uint64_t v : ns)
      want += le == "+Inf" || v <= static_cast<uint64_t>(std::llround(std::stod(le) * 1e9));
    EXPECT_EQ(b.value, want) << "le=" << le;
  }
}

TEST_F(ExporterTcpQualityTest, QueueingBehindATokenBucketRaisesTheRttBucketsAtClose) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7700;
  LimitRate(ns_, "16mbit", "4mb");
  const Endpoint ep{VethLink::kClient4, kPort};
  // Idle: a small exchange.
  Connection idle = Connect(ns_, client_, ep);
  ASSERT_TRUE(idle.client && idle.server);
  Transfer(idle.client.get(), idle.server.get(), 100);
  const uint32_t idle_us = SmoothedRttUs(idle.client.get());
  CloseWithReset(std::move(idle.client));
  // Bulk: 2 MB queue behind 16 Mbit/s.
  Connection bulk = Connect(ns_, client_, ep);
  ASSERT_TRUE(bulk.client && bulk.server);
  Transfer(bulk.client.get(), bulk.server.get(), 2 << 20);
  const uint32_t bulk_us = SmoothedRttUs(bulk.client.get());
  CloseWithReset(std::move(bulk.client));
  // The queue raises the RTT by milliseconds, at least two buckets above the idle one.
  EXPECT_LT(idle_us, 2000u);
  EXPECT_GT(bulk_us, 4 * idle_us + 2000) << "idle " << idle_us << " us";
  const Labels labels = PortLabels(kPort, {{"direction", "outbound"}});
  const ParsedMetrics m =
      exporter_->ScrapeUntil(Reached({{std::string(kRtt) + "_count", labels, 2}}));
  EXPECT_TRUE(HistogramIsConsistent(m, kRtt, labels));
  EXPECT_DOUBLE_EQ(m.Value(std::string(kRtt) + "_sum", labels), (idle_us + bulk_us) / 1e6);
  ExpectBuckets(m, labels, {idle_us * 1000ULL, bulk_us * 1000ULL});
}

}  // namespace
}  // namespace se::test
