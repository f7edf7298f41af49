// Resets on established connections, counted on the side that sends and the side that receives.
#include <gtest/gtest.h>

#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

constexpr char kSent[] = "socket_tcp_resets_sent_total";
constexpr char kReceived[] = "socket_tcp_resets_received_total";

Labels Resets(const char* direction, const char* reason = nullptr) {
  Labels labels = {{"direction", direction}};
  if (reason != nullptr) labels["reason"] = reason;
  return labels;
}

class ExporterResetTest : public NamespacedExporterTest {};

TEST_F(ExporterResetTest, ServerAbortsCountAsInboundResetsSentAndOutboundResetsReceived) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7010;
  constexpr int kConnections = 3;
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({kLoopback4, kPort}, 16); });
  TcpServer server(listener.get(), kConnections, 0, CloseMode::kReset);
  ClientStats clients;
  ns_.RunIn([&] { clients = RunClients({kLoopback4, kPort}, kConnections, 50); });
  ASSERT_EQ(server.Join().served, kConnections);
  ASSERT_EQ(clients.resets, kConnections);

  const ExpectedValues want = {
      {kSent, PortLabels(kPort, Resets("inbound", "other")), kConnections},
      {kSent, PortLabels(kPort, Resets("inbound", "no_socket")), 0},
      {kSent, PortLabels(kPort, Resets("outbound", "other")), 0},
      {kSent, PortLabels(kPort, Resets("outbound", "no_socket")), 0},
      {kReceived, PortLabels(kPort, Resets("outbound")), kConnections},
      {kReceived, PortLabels(kPort, Resets("inbound")), 0},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, Resets("inbound")),
       kConnections},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(kPort, Resets("outbound")),
       kConnections},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kSent), kConnections) << m.Dump(kSent);
  EXPECT_EQ(m.Sum(kReceived), kConnections) << m.Dump(kReceived);
}

TEST_F(ExporterResetTest, ClientAbortsCountAsOutboundResetsSentAndInboundResetsReceived) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7011;
  constexpr int kConnections = 4;
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({kLoopback4, kPort}, 16); });
  TcpServer server(listener.get(), kConnections, 0, CloseMode::kGraceful);
  ns_.RunIn([&] {
    for (int i = 0; i < kConnections; ++i) {
      ConnectResult r = ConnectTcp({kLoopback4, kPort}, kIoTimeout);
      ASSERT_TRUE(r.fd.valid()) << "connect failed: errno " << r.error;
      CloseWithReset(std::move(r.fd));
    }
  });
  ASSERT_EQ(server.Join().served, kConnections);

  const ExpectedValues want = {
      {kSent, PortLabels(kPort, Resets("outbound", "other")), kConnections},
      {kSent, PortLabels(kPort, Resets("inbound", "other")), 0},
      {kSent, PortLabels(kPort, Resets("inbound", "no_socket")), 0},
      {kReceived, PortLabels(kPort, Resets("inbound")), kConnections},
      {kReceived, PortLabels(kPort, Resets("outbound")), 0},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kSent), kConnections) << m.Dump(kSent);
  EXPECT_EQ(m.Sum(kReceived), kConnections) << m.Dump(kReceived);
}

}  // namespace
}  // namespace se::test
