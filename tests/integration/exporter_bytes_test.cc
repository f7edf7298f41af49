// Payload byte counters: exactly what each side wrote, added when the connection closes.
#include <gtest/gtest.h>

#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

constexpr char kSentBytes[] = "socket_tcp_sent_bytes_total";
constexpr char kReceivedBytes[] = "socket_tcp_received_bytes_total";

const Labels kInbound = {{"direction", "inbound"}};
const Labels kOutbound = {{"direction", "outbound"}};

class ExporterBytesTest : public NamespacedExporterTest {
 protected:
  // Runs `connections` exchanges of request/response bytes on a fresh listener on port.
  void Exchange(uint16_t port, int connections, size_t request, size_t response) {
    UniqueFd listener;
    ns_.RunIn([&] { listener = ListenTcp({kLoopback4, port}, 16); });
    TcpServer server(listener.get(), connections, response, CloseMode::kGraceful);
    ClientStats clients;
    ns_.RunIn([&] { clients = RunClients({kLoopback4, port}, connections, request); });
    const TcpServer::Stats served = server.Join();
    ASSERT_EQ(clients.connected, connections);
    ASSERT_EQ(served.bytes_received, request * connections);
    ASSERT_EQ(clients.bytes_received, response * connections);
  }

  void ExpectBytes(uint16_t port, double request_total, double response_total) {
    const ExpectedValues want = {
        {kSentBytes, PortLabels(port, kOutbound), request_total},
        {kReceivedBytes, PortLabels(port, kInbound), request_total},
        {kSentBytes, PortLabels(port, kInbound), response_total},
        {kReceivedBytes, PortLabels(port, kOutbound), response_total},
    };
    ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
  }
};

TEST_F(ExporterBytesTest, SmallExchangesCountExactlyTheBytesEachSideWrote) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7020;
  Exchange(kPort, 4, 1000, 2500);
  ExpectBytes(kPort, 4 * 1000, 4 * 2500);
}

TEST_F(ExporterBytesTest, MultiSegmentTransfersCountExactlyTheBytesEachSideWrote) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7021;
  constexpr size_t kRequest = 3 * 1024 * 1024 + 7;
  constexpr size_t kResponse = 123457;
  Exchange(kPort, 2, kRequest, kResponse);
  ExpectBytes(kPort, 2.0 * kRequest, 2.0 * kResponse);
}

TEST_F(ExporterBytesTest, ConnectionsWithoutPayloadCountZeroBytes) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7022;
  Exchange(kPort, 3, 0, 0);
  const ExpectedValues closed = {
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kInbound), 3},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, kOutbound), 3},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(closed));
  ExpectValues(m, closed);
  EXPECT_EQ(m.Sum(kSentBytes), 0) << m.Dump(kSentBytes);
  EXPECT_EQ(m.Sum(kReceivedBytes), 0) << m.Dump(kReceivedBytes);
}

}  // namespace
}  // namespace se::test
