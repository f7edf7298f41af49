// Outbound connects: attempts, handshake durations and each failure reason.
#include <gtest/gtest.h>

#include <cerrno>

#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kFailures[] = "socket_tcp_connect_failures_total";

Labels Reason(const char* reason) { return {{"reason", reason}}; }

class ExporterConnectTest : public NamespacedExporterTest {};

TEST_F(ExporterConnectTest, CountsOutboundConnectsWithTheirHandshakeDurations) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7002;
  constexpr int kConnects = 6;
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({kLoopback4, kPort}, 16); });
  TcpServer server(listener.get(), kConnects, 10, CloseMode::kGraceful);
  ClientStats clients;
  ns_.RunIn([&] { clients = RunClients({kLoopback4, kPort}, kConnects, 10); });
  ASSERT_EQ(clients.connected, kConnects);
  ASSERT_EQ(server.Join().served, kConnects);

  const ExpectedValues want = {
      {"socket_tcp_connects_total", PortLabels(kPort), kConnects},
      {"socket_tcp_connect_duration_seconds_count", PortLabels(kPort), kConnects},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kFailures), 0) << m.Dump(kFailures);
  EXPECT_EQ(m.Sum("socket_tcp_connects_total"), kConnects);
  EXPECT_TRUE(HistogramIsConsistent(m, "socket_tcp_connect_duration_seconds", PortLabels(kPort)));
}

TEST_F(ExporterConnectTest, RefusedConnectsCountAsFailuresAndNoSocketResetsOfTheClosedPort) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kClosedPort = 7003;
  constexpr int kConnects = 4;
  std::map<int, int> outcomes;
  ns_.RunIn([&] { outcomes = ConnectMany({kLoopback4, kClosedPort}, kConnects, {}, seconds(5)); });
  ASSERT_EQ(outcomes, (std::map<int, int>{{ECONNREFUSED, kConnects}}));

  const ExpectedValues want = {
      {"socket_tcp_connects_total", PortLabels(kClosedPort), kConnects},
      {kFailures, PortLabels(kClosedPort, Reason("refused")), kConnects},
      {kFailures, PortLabels(kClosedPort, Reason("timeout")), 0},
      {kFailures, PortLabels(kClosedPort, Reason("unreachable")), 0},
      {kFailures, PortLabels(kClosedPort, Reason("other")), 0},
      {"socket_tcp_resets_sent_total",
       PortLabels(kClosedPort, {{"direction", "inbound"}, {"reason", "no_socket"}}), kConnects},
      {"socket_tcp_resets_received_total", PortLabels(kClosedPort, {{"direction", "outbound"}}),
       kConnects},
      {"socket_tcp_connect_duration_seconds_count", PortLabels(kClosedPort), 0},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum("socket_tcp_resets_sent_total"), kConnects)
      << m.Dump("socket_tcp_resets_sent_total");
}

TEST_F(ExporterConnectTest, UnansweredConnectsCountAsTimeouts) {
  ASSERT_TRUE(StartExporter());
  const SilentSubnet subnet = AddSilentSubnet(ns_);
  constexpr uint16_t kPort = 7004;
  constexpr int kConnects = 3;
  std::map<int, int> outcomes;
  // One SYN retry and a 300 ms user timeout end each attempt in about a second.
  ConnectOptions quick;
  quick.syn_count = 1;
  quick.user_timeout_ms = 300;
  ns_.RunIn([&] {
    outcomes = ConnectMany({subnet.silent_host, kPort}, kConnects, quick, seconds(10));
  });
  ASSERT_EQ(outcomes, (std::map<int, int>{{ETIMEDOUT, kConnects}}));

  const ExpectedValues want = {
      {"socket_tcp_connects_total", PortLabels(kPort), kConnects},
      {kFailures, PortLabels(kPort, Reason("timeout")), kConnects},
      {kFailures, PortLabels(kPort, Reason("refused")), 0},
      {kFailures, PortLabels(kPort, Reason("unreachable")), 0},
      {kFailures, PortLabels(kPort, Reason("other")), 0},
  };
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
}

TEST_F(ExporterConnectTest, FailedNeighbourResolutionCountsAsUnreachable) {
  ASSERT_TRUE(StartExporter());
  const SilentSubnet subnet = AddSilentSubnet(ns_);
  constexpr uint16_t kPort = 7005;
  constexpr int kConnects = 3;
  std::map<int, int> outcomes;
  ns_.RunIn([&] {
    outcomes = ConnectMany({subnet.unreachable_host, kPort}, kConnects, {}, seconds(10));
  });
  ASSERT_EQ(outcomes, (std::map<int, int>{{EHOSTUNREACH, kConnects}}));

  const ExpectedValues want = {
      {"socket_tcp_connects_total", PortLabels(kPort), kConnects},
      {kFailures, PortLabels(kPort, Reason("unreachable")), kConnects},
      {kFailures, PortLabels(kPort, Reason("timeout")), 0},
      {kFailures, PortLabels(kPort, Reason("refused")), 0},
      {kFailures, PortLabels(kPort, Reason("other")), 0},
  };
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
}

TEST_F(ExporterConnectTest, ConnectsAbandonedByTheApplicationCountAsOtherFailures) {
  ASSERT_TRUE(StartExporter());
  const SilentSubnet subnet = AddSilentSubnet(ns_);
  constexpr uint16_t kPort = 7006;
  constexpr int kConnects = 2;
  std::map<int, int> outcomes;
  // Gives up long before the kernel would: the sockets are closed while still in SYN_SENT.
  ns_.RunIn([&] {
    outcomes = ConnectMany({subnet.silent_host, kPort}, kConnects, {}, milliseconds(100));
  });
  ASSERT_EQ(outcomes, (std::map<int, int>{{kStillConnecting, kConnects}}));

  const ExpectedValues want = {
      {"socket_tcp_connects_total", PortLabels(kPort), kConnects},
      {kFailures, PortLabels(kPort, Reason("other")), kConnects},
      {kFailures, PortLabels(kPort, Reason("timeout")), 0},
  };
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
}

}  // namespace
}  // namespace se::test
