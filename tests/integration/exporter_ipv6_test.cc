// IPv6 and v4-mapped traffic count exactly like the same traffic over IPv4.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using std::chrono::seconds;

constexpr int kExchanges = 3;
constexpr int kRefused = 2;
constexpr size_t kRequest = 300;
constexpr size_t kResponse = 700;

class ExporterIpv6Test : public NamespacedExporterTest {
 protected:
  // Exchanges with a listener on listen_host:port from connect_host, and refused connects to
  // connect_host:closed_port; all traffic the expectations below describe.
  void RunScenario(const std::string& listen_host, const std::string& connect_host, uint16_t port,
                   uint16_t closed_port) {
    SCOPED_TRACE("listen on " + listen_host + ", connect to " + connect_host);
    UniqueFd listener;
    ns_.RunIn([&] { listener = ListenTcp({listen_host, port}, 16); });
    TcpServer server(listener.get(), kExchanges, kResponse, CloseMode::kGraceful);
    ClientStats clients;
    std::map<int, int> refused;
    ns_.RunIn([&] {
      clients = RunClients({connect_host, port}, kExchanges, kRequest);
      refused = ConnectMany({connect_host, closed_port}, kRefused, {}, seconds(5));
    });
    ASSERT_EQ(server.Join().served, kExchanges);
    ASSERT_EQ(clients.connected, kExchanges);
    ASSERT_EQ(refused, (std::map<int, int>{{ECONNREFUSED, kRefused}}));
  }

  static ExpectedValues ScenarioValues(uint16_t port, uint16_t closed_port) {
    const Labels in = {{"direction", "inbound"}};
    const Labels out = {{"direction", "outbound"}};
    return {
        {"socket_tcp_accepts_total", PortLabels(port), kExchanges},
        {"socket_tcp_connects_total", PortLabels(port), kExchanges},
        {"socket_tcp_connect_duration_seconds_count", PortLabels(port), kExchanges},
        {"socket_tcp_connection_duration_seconds_count", PortLabels(port, in), kExchanges},
        {"socket_tcp_connection_duration_seconds_count", PortLabels(port, out), kExchanges},
        {"socket_tcp_sent_bytes_total", PortLabels(port, out), kExchanges * kRequest},
        {"socket_tcp_received_bytes_total", PortLabels(port, in), kExchanges * kRequest},
        {"socket_tcp_sent_bytes_total", PortLabels(port, in), kExchanges * kResponse},
        {"socket_tcp_received_bytes_total", PortLabels(port, out), kExchanges * kResponse},
        {"socket_tcp_connects_total", PortLabels(closed_port), kRefused},
        {"socket_tcp_connect_failures_total", PortLabels(closed_port, {{"reason", "refused"}}),
         kRefused},
        {"socket_tcp_resets_sent_total",
         PortLabels(closed_port, {{"direction", "inbound"}, {"reason", "no_socket"}}), kRefused},
        {"socket_tcp_resets_received_total", PortLabels(closed_port, out), kRefused},
    };
  }
};

TEST_F(ExporterIpv6Test, Ipv6LoopbackTrafficCountsExactlyLikeIpv4) {
  ASSERT_TRUE(StartExporter());
  RunScenario(kLoopback4, kLoopback4, 7030, 7031);
  RunScenario(kLoopback6, kLoopback6, 7040, 7041);

  ExpectedValues want = ScenarioValues(7030, 7031);
  const ExpectedValues v6 = ScenarioValues(7040, 7041);
  want.insert(want.end(), v6.begin(), v6.end());
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_TRUE(HistogramIsConsistent(m, "socket_tcp_connect_duration_seconds", PortLabels(7040)));
}

TEST_F(ExporterIpv6Test, V4MappedTrafficOnDualStackSocketsCountsUnderItsPort) {
  ASSERT_TRUE(StartExporter());
  // An AF_INET6 listener on :: accepts IPv4 peers, and an AF_INET6 client reaches 127.0.0.1.
  RunScenario("::", "::ffff:127.0.0.1", 7050, 7051);
  const ExpectedValues want = ScenarioValues(7050, 7051);
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
}

}  // namespace
}  // namespace se::test
