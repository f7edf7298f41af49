// Connections beyond the fast-path table fall back to socket-local storage and still count
// exactly: durations, bytes and the resets of aborts that follow CLOSE.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

const Labels kInbound = {{"direction", "inbound"}};
const Labels kOutbound = {{"direction", "outbound"}};

class ExporterConnTableTest : public NamespacedExporterTest {};

TEST_F(ExporterConnTableTest, ConcurrentConnectionsBeyondATwoEntryTableCountExactly) {
  // Two entries: at most two of the 2 * kConnections sockets use the table at once.
  ASSERT_TRUE(StartExporter({"--bpf.conn-table-entries=2"}));
  constexpr uint16_t kPort = 7040;
  constexpr int kConnections = 12;
  UniqueFd listener;
  std::vector<UniqueFd> clients;
  ns_.RunIn([&] {
    listener = ListenTcp({kLoopback4, kPort}, 32);
    clients = OpenConnections({kLoopback4, kPort}, kConnections);
  });
  ASSERT_EQ(clients.size(), static_cast<size_t>(kConnections));
  TcpServer server(listener.get(), kConnections, 300, CloseMode::kGraceful);
  for (auto& c : clients) {
    ASSERT_TRUE(WriteBytes(c.get(), 100));
    shutdown(c.get(), SHUT_WR);
  }
  size_t received = 0;
  for (auto& c : clients) {
    int error = 0;
    received += ReadUntilEof(c.get(), kIoTimeout, &error);
  }
  ASSERT_EQ(server.Join().served, kConnections);
  ASSERT_EQ(received, 300u * kConnections);
  clients.clear();

  const ExpectedValues want = {
      {"socket_tcp_accepts_total", PortLabels(kPort), kConnections},
      {"socket_tcp_connects_total", PortLabels(kPort), kConnections},
      {"socket_tcp_connect_duration_seconds_count", PortLabels(kPort), kConnections},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kInbound), kConnections},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kOutbound), kConnections},
      {"socket_tcp_sent_bytes_total", PortLabels(kPort, kOutbound), 100 * kConnections},
      {"socket_tcp_received_bytes_total", PortLabels(kPort, kInbound), 100 * kConnections},
      {"socket_tcp_sent_bytes_total", PortLabels(kPort, kInbound), 300 * kConnections},
      {"socket_tcp_received_bytes_total", PortLabels(kPort, kOutbound), 300 * kConnections},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  // Loopback handshakes take microseconds and these connections lived well under the test's
  // bounded I/O timeouts: a wrong start time would show up as a huge or negative sum.
  const double connect_sum = m.Value("socket_tcp_connect_duration_seconds_sum", PortLabels(kPort));
  EXPECT_GT(connect_sum, 0);
  EXPECT_LT(connect_sum / kConnections, 0.05);
  for (const Labels& dir : {kInbound, kOutbound}) {
    const double life =
        m.Value("socket_tcp_connection_duration_seconds_sum", PortLabels(kPort, dir));
    EXPECT_GT(life, 0);
    EXPECT_LT(life / kConnections, 5.0);
  }
}

TEST_F(ExporterConnTableTest, AbortsBeyondATwoEntryTableKeepTheirDirectionAndPort) {
  ASSERT_TRUE(StartExporter({"--bpf.conn-table-entries=2"}));
  constexpr uint16_t kPort = 7041;
  constexpr int kConnections = 6;
  UniqueFd listener;
  std::vector<UniqueFd> clients;
  const uint64_t resets_before = Nstat(ns_, "TcpOutRsts");
  ns_.RunIn([&] {
    listener = ListenTcp({kLoopback4, kPort}, 32);
    clients = OpenConnections({kLoopback4, kPort}, kConnections);
  });
  TcpServer server(listener.get(), kConnections, 0, CloseMode::kReset);
  for (auto& c : clients) shutdown(c.get(), SHUT_WR);
  ASSERT_EQ(server.Join().served, kConnections);
  clients.clear();

  const ExpectedValues want = {
      {"socket_tcp_resets_sent_total",
       PortLabels(kPort, {{"direction", "inbound"}, {"reason", "other"}}), kConnections},
      {"socket_tcp_resets_received_total", PortLabels(kPort, kOutbound), kConnections},
  };
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
  // Every reset the namespace sent, as the kernel counts them: the six aborts, and any other
  // a slow run may add (a late segment to a socket already gone), each counted once.
  const uint64_t resets = Nstat(ns_, "TcpOutRsts") - resets_before;
  EXPECT_GE(resets, uint64_t{kConnections});
  EXPECT_EQ(exporter_->Scrape().Sum("socket_tcp_resets_sent_total"), static_cast<double>(resets));
}

}  // namespace
}  // namespace se::test
