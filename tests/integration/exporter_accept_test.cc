// Inbound connections: accepts, lifetimes and the sock_diag gauges of a listening port.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>
#include <vector>

#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

constexpr uint16_t kPort = 7001;

const Labels kInbound = {{"direction", "inbound"}};
const Labels kOutbound = {{"direction", "outbound"}};

class ExporterAcceptTest : public NamespacedExporterTest {};

TEST_F(ExporterAcceptTest, CountsEveryCompletedHandshakeOnAListeningPort) {
  ASSERT_TRUE(StartExporter());
  constexpr int kConnections = 5;
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({kLoopback4, kPort}, 16); });
  TcpServer server(listener.get(), kConnections, 0, CloseMode::kGraceful);
  ClientStats clients;
  ns_.RunIn([&] { clients = RunClients({kLoopback4, kPort}, kConnections, 100); });
  ASSERT_EQ(clients.connected, kConnections);
  ASSERT_EQ(server.Join().served, kConnections);

  const ExpectedValues want = {
      {"socket_tcp_accepts_total", PortLabels(kPort), kConnections},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kInbound), kConnections},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kOutbound), kConnections},
      {"socket_tcp_established", PortLabels(kPort, kInbound), 0},
      {"socket_tcp_established", PortLabels(kPort, kOutbound), 0},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum("socket_tcp_accepts_total"), kConnections) << m.Dump("socket_tcp_accepts_total");
  EXPECT_TRUE(HistogramIsConsistent(m, "socket_tcp_connection_duration_seconds",
                                    PortLabels(kPort, kInbound)));
  EXPECT_TRUE(HistogramIsConsistent(m, "socket_tcp_connection_duration_seconds",
                                    PortLabels(kPort, kOutbound)));
}

TEST_F(ExporterAcceptTest, EstablishedGaugeFollowsOpenConnectionsAndLifetimesCountOnClose) {
  ASSERT_TRUE(StartExporter());
  constexpr int kConnections = 3;
  UniqueFd listener;
  std::vector<UniqueFd> clients;
  ns_.RunIn([&] {
    listener = ListenTcp({kLoopback4, kPort}, 16);
    clients = OpenConnections({kLoopback4, kPort}, kConnections);
  });
  std::vector<UniqueFd> accepted;
  for (int i = 0; i < kConnections; ++i)
    accepted.emplace_back(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));

  const ExpectedValues open = {
      {"socket_tcp_established", PortLabels(kPort, kInbound), kConnections},
      {"socket_tcp_established", PortLabels(kPort, kOutbound), kConnections},
      {"socket_tcp_accepts_total", PortLabels(kPort), kConnections},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kInbound), 0},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kOutbound), 0},
  };
  ExpectValues(exporter_->ScrapeUntil(Reached(open)), open);

  clients.clear();
  accepted.clear();
  const ExpectedValues closed = {
      {"socket_tcp_established", PortLabels(kPort, kInbound), 0},
      {"socket_tcp_established", PortLabels(kPort, kOutbound), 0},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kInbound), kConnections},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kOutbound), kConnections},
  };
  ExpectValues(exporter_->ScrapeUntil(Reached(closed)), closed);
}

TEST_F(ExporterAcceptTest, AcceptQueueGaugesShowConnectionsNotYetAccepted) {
  ASSERT_TRUE(StartExporter());
  constexpr int kBacklog = 8;
  constexpr int kWaiting = 3;
  UniqueFd listener;
  std::vector<UniqueFd> clients;
  ns_.RunIn([&] {
    listener = ListenTcp({kLoopback4, kPort}, kBacklog);
    clients = OpenConnections({kLoopback4, kPort}, kWaiting);
  });

  const ExpectedValues queued = {
      {"socket_tcp_accept_queue_length", PortLabels(kPort), kWaiting},
      {"socket_tcp_accept_queue_limit", PortLabels(kPort), kBacklog},
      {"socket_tcp_accepts_total", PortLabels(kPort), kWaiting},
      {"socket_tcp_established", PortLabels(kPort, kInbound), kWaiting},
      {"socket_tcp_established", PortLabels(kPort, kOutbound), kWaiting},
  };
  ExpectValues(exporter_->ScrapeUntil(Reached(queued)), queued);

  std::vector<UniqueFd> accepted;
  for (int i = 0; i < kWaiting; ++i)
    accepted.emplace_back(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  const ExpectedValues drained = {
      {"socket_tcp_accept_queue_length", PortLabels(kPort), 0},
      {"socket_tcp_accept_queue_limit", PortLabels(kPort), kBacklog},
      {"socket_tcp_established", PortLabels(kPort, kInbound), kWaiting},
  };
  ExpectValues(exporter_->ScrapeUntil(Reached(drained)), drained);
}

// A connection held open for a known time: both ends' lifetimes (inbound from the accepted
// socket's ESTABLISHED, taken from the kernel's own per-socket clock; outbound from the
// client's) lie between the hold and the hold plus the time the test itself took, and land in
// the one bucket that holds that span (buckets are powers of two from 1 us).
TEST_F(ExporterAcceptTest, LifetimesOfAHeldConnectionAreItsHoldTime) {
  using Clock = std::chrono::steady_clock;
  ASSERT_TRUE(StartExporter());
  constexpr auto kHold = std::chrono::milliseconds(300);
  UniqueFd listener, client, accepted;
  ns_.RunIn([&] {
    listener = ListenTcp({kLoopback4, kPort}, 16);
    std::vector<UniqueFd> c = OpenConnections({kLoopback4, kPort}, 1);
    ASSERT_EQ(c.size(), 1u);
    client = std::move(c[0]);
  });
  accepted.reset(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(accepted);
  const Clock::time_point opened = Clock::now();
  std::this_thread::sleep_for(kHold);
  accepted.reset();
  client.reset();
  const double held = std::chrono::duration<double>(Clock::now() - opened).count();

  const ExpectedValues closed = {
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kInbound), 1},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kOutbound), 1},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(closed));
  ExpectValues(m, closed);
  for (const Labels& dir : {kInbound, kOutbound}) {
    const Labels labels = PortLabels(kPort, dir);
    const double sum = m.Value("socket_tcp_connection_duration_seconds_sum", labels);
    // Opened before `opened` (handshake) and closed before `held` was taken, give or take the
    // FIN exchange after close(): 5 ms of slack either way.
    EXPECT_GE(sum, 0.300 - 0.005) << dir.begin()->second;
    EXPECT_LE(sum, held + 0.005) << dir.begin()->second;
    Labels below = labels, above = labels;
    below["le"] = "0.268435456";  // 2^28 ns
    above["le"] = "0.536870912";  // 2^29 ns
    EXPECT_EQ(m.Value("socket_tcp_connection_duration_seconds_bucket", below), 0)
        << m.Dump("socket_tcp_connection_duration_seconds_bucket");
    EXPECT_EQ(m.Value("socket_tcp_connection_duration_seconds_bucket", above), 1)
        << m.Dump("socket_tcp_connection_duration_seconds_bucket");
  }
}

}  // namespace
}  // namespace se::test
