// UDP per service port, end to end: datagrams between the exporter's namespace (ns_) and a
// client namespace over a veth link, counted by the BPF programs and checked against the
// namespace's own counters (nstat: Udp InDatagrams, OutDatagrams, RcvbufErrors, InCsumErrors,
// NoPorts) and socket tables (ss).
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <string>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/syn_traffic.h"
#include "harness/udp_traffic.h"
#include "harness/veth_test.h"

namespace se::test {
namespace {

constexpr char kReceived[] = "socket_udp_received_datagrams_total";
constexpr char kReceivedBytes[] = "socket_udp_received_bytes_total";
constexpr char kSent[] = "socket_udp_sent_datagrams_total";
constexpr char kSentBytes[] = "socket_udp_sent_bytes_total";
constexpr char kDrops[] = "socket_udp_drops_total";
constexpr char kNoSocket[] = "socket_udp_no_socket_total";
const Labels kInbound = {{"direction", "inbound"}};
const Labels kOutbound = {{"direction", "outbound"}};

struct Family {
  const char* name;
  const char* server;
  const char* client;
  const char* nstat;  // prefix of the family's UDP counters
};
const Family kFamilies[] = {{"ipv4", VethLink::kServer4, VethLink::kClient4, "Udp"},
                            {"ipv6", VethLink::kServer6, VethLink::kClient6, "Udp6"}};
void PrintTo(const Family& f, std::ostream* os) { *os << f.name; }

class ExporterUdpTest : public VethExporterTest, public ::testing::WithParamInterface<Family> {
 protected:
  Endpoint Server(uint16_t port) const { return {GetParam().server, port}; }
  Endpoint Client(uint16_t port) const { return {GetParam().client, port}; }
  // The namespace's own UDP counter of this family, e.g. Udp6InDatagrams.
  uint64_t Kernel(const std::string& counter) const {
    return Nstat(ns_, GetParam().nstat + counter);
  }
};

TEST_P(ExporterUdpTest, DatagramsAndBytesBothWaysMatchTheKernelsCounts) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kServerPort = 5353, kRemotePort = 5400;
  constexpr int kQueries = 40, kRequests = 15;
  // Inbound: a server in scope answers a client outside it.
  UniqueFd server, client;
  ns_.RunIn([&] { server = BindUdp(Server(kServerPort)); });
  client_.RunIn([&] { client = BindUdp(Client(0)); });
  {
    UdpEcho echo(server.get(), kQueries);
    ASSERT_EQ(SendDatagrams(client.get(), Server(kServerPort), kQueries, 64), kQueries);
    ASSERT_EQ(ReceiveDatagrams(client.get(), kQueries), kQueries);
    ASSERT_EQ(echo.Join(), kQueries);
  }
  // Outbound: a connected client in scope (ephemeral port) asks a server outside it.
  UniqueFd remote, asker;
  client_.RunIn([&] { remote = BindUdp(Client(kRemotePort)); });
  ns_.RunIn([&] {
    asker = BindUdp(Server(0));
    ASSERT_TRUE(ConnectUdp(asker.get(), Client(kRemotePort)));
  });
  {
    UdpEcho echo(remote.get(), kRequests);
    ASSERT_EQ(SendDatagrams(asker.get(), {}, kRequests, 100), kRequests);
    ASSERT_EQ(ReceiveDatagrams(asker.get(), kRequests), kRequests);
    ASSERT_EQ(echo.Join(), kRequests);
  }
  // Outbound from an unconnected socket on an ephemeral port (sendto()): the kernel keeps no
  // destination for its sends, which count at "other"; the replies name the peer's port.
  constexpr uint16_t kUnconnectedPort = 5401;
  constexpr int kUnconnected = 5;
  UniqueFd remote2, sender;
  client_.RunIn([&] { remote2 = BindUdp(Client(kUnconnectedPort)); });
  ns_.RunIn([&] { sender = BindUdp(Server(0)); });
  {
    UdpEcho echo(remote2.get(), kUnconnected);
    ASSERT_EQ(SendDatagrams(sender.get(), Client(kUnconnectedPort), kUnconnected, 10),
              kUnconnected);
    ASSERT_EQ(ReceiveDatagrams(sender.get(), kUnconnected), kUnconnected);
    ASSERT_EQ(echo.Join(), kUnconnected);
  }
  const ExpectedValues want = {
      {kSent, {{"port", "other"}, {"direction", "outbound"}}, kUnconnected},
      {kSentBytes, {{"port", "other"}, {"direction", "outbound"}}, kUnconnected * 10},
      {kReceived, PortLabels(kUnconnectedPort, kOutbound), kUnconnected},
      {kReceived, PortLabels(kServerPort, kInbound), kQueries},
      {kReceivedBytes, PortLabels(kServerPort, kInbound), kQueries * 64},
      {kSent, PortLabels(kServerPort, kInbound), kQueries},
      {kSentBytes, PortLabels(kServerPort, kInbound), kQueries * 64},
      {kSent, PortLabels(kRemotePort, kOutbound), kRequests},
      {kSentBytes, PortLabels(kRemotePort, kOutbound), kRequests * 100},
      {kReceived, PortLabels(kRemotePort, kOutbound), kRequests},
      {kReceivedBytes, PortLabels(kRemotePort, kOutbound), kRequests * 100},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  // Every datagram was read, so the namespace's own counts are the same totals.
  EXPECT_EQ(m.Sum(kReceived), Kernel("InDatagrams")) << m.Dump(kReceived);
  EXPECT_EQ(m.Sum(kSent), Kernel("OutDatagrams")) << m.Dump(kSent);
  EXPECT_EQ(m.Sum(kDrops), 0);
}

// MSG_MORE corks a socket: three sends make one datagram, counted once with all its bytes, as
// the kernel's OutDatagrams and the receiver see it.
TEST_P(ExporterUdpTest, CorkedSendsCountOneDatagramWithAllTheirBytes) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kRemotePort = 5410;
  UniqueFd remote, sender;
  client_.RunIn([&] { remote = BindUdp(Client(kRemotePort)); });
  ns_.RunIn([&] {
    sender = BindUdp(Server(0));
    ASSERT_TRUE(ConnectUdp(sender.get(), Client(kRemotePort)));
  });
  const uint64_t out_before = Kernel("OutDatagrams");
  const char part[100] = {};
  ASSERT_EQ(send(sender.get(), part, 100, MSG_MORE), 100);
  ASSERT_EQ(send(sender.get(), part, 50, MSG_MORE), 50);
  ASSERT_EQ(send(sender.get(), part, 30, 0), 30);
  char in[512];
  ASSERT_EQ(recv(remote.get(), in, sizeof(in), 0), 180);  // one datagram of all three parts
  const ExpectedValues want = {{kSent, PortLabels(kRemotePort, kOutbound), 1},
                               {kSentBytes, PortLabels(kRemotePort, kOutbound), 180}};
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(Kernel("OutDatagrams") - out_before, 1u);
}

TEST_P(ExporterUdpTest, ReceiveBufferDropsMatchRcvbufErrorsAndTheQueueMatchesSs) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 5360;
  constexpr int kBurst = 200;
  UniqueFd server, client;
  ns_.RunIn([&] {
    server = BindUdp(Server(kPort));
    SetReceiveBuffer(server.get(), 2048);
  });
  client_.RunIn([&] { client = BindUdp(Client(0)); });
  ASSERT_EQ(SendDatagrams(client.get(), Server(kPort), kBurst, 64), kBurst);
  // All reached the socket; the queue filled and the rest were dropped.
  ParsedMetrics m = exporter_->ScrapeUntil(
      Reached({{kReceived, PortLabels(kPort, kInbound), kBurst}}));
  const uint64_t rcvbuf_errors = Kernel("RcvbufErrors");
  ASSERT_GT(rcvbuf_errors, 0u);
  EXPECT_EQ(m.Value(kDrops, PortLabels(kPort, {{"reason", "receive_buffer"}})), rcvbuf_errors)
      << m.Dump(kDrops);
  const auto [queue, limit] = SsUdpQueue(ns_, kPort);
  EXPECT_GT(queue, 0u);
  EXPECT_EQ(m.Value("socket_udp_receive_queue_bytes", PortLabels(kPort)), queue);
  EXPECT_EQ(m.Value("socket_udp_receive_queue_limit_bytes", PortLabels(kPort)), limit);
  // What was queued is what the application reads.
  const int queued = ReceiveDatagrams(server.get(), kBurst, std::chrono::milliseconds(300));
  EXPECT_EQ(queued + rcvbuf_errors, static_cast<uint64_t>(kBurst));
  EXPECT_EQ(Kernel("InDatagrams"), static_cast<uint64_t>(queued));
  m = exporter_->ScrapeUntil(Reached({{"socket_udp_receive_queue_bytes", PortLabels(kPort), 0}}));
  EXPECT_EQ(m.Value("socket_udp_receive_queue_bytes", PortLabels(kPort)), 0);
  EXPECT_EQ(m.Sum(kDrops), rcvbuf_errors);
}

TEST_P(ExporterUdpTest, ChecksumDropsMatchInCsumErrorsAtOpenAndClosedPorts) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kOpen = 5370, kClosed = 5371;
  constexpr int kBadOpen = 7, kBadClosed = 4, kGood = 3;
  UniqueFd server, client;
  ns_.RunIn([&] { server = BindUdp(Server(kOpen)); });
  client_.RunIn([&] {
    client = BindUdp(Client(0));
    SendBadChecksums(Server(kOpen), 4444, kBadOpen);
    SendBadChecksums(Server(kClosed), 4444, kBadClosed);
  });
  ASSERT_EQ(SendDatagrams(client.get(), Server(kOpen), kGood, 10), kGood);
  // Reading makes the kernel check the sums it had deferred.
  EXPECT_EQ(ReceiveDatagrams(server.get(), kGood + kBadOpen, std::chrono::milliseconds(300)),
            kGood);
  const ExpectedValues want = {
      {kDrops, PortLabels(kOpen, {{"reason", "checksum"}}), kBadOpen},
      {kDrops, PortLabels(kClosed, {{"reason", "checksum"}}), kBadClosed},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(Kernel("InCsumErrors"), static_cast<uint64_t>(kBadOpen + kBadClosed));
  EXPECT_EQ(m.Sum(kDrops), kBadOpen + kBadClosed) << m.Dump(kDrops);
  EXPECT_EQ(Kernel("InDatagrams"), static_cast<uint64_t>(kGood));
  // A bad datagram to a closed port is a checksum error, not a datagram to a closed port.
  EXPECT_EQ(m.Sum(kNoSocket), 0);
  EXPECT_EQ(Kernel("NoPorts"), 0u);
}

TEST_P(ExporterUdpTest, ScanOfThirtyClosedPortsIsCountedAndDetectedWithItsSource) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kFirst = 7400;
  constexpr int kPorts = 30;
  UniqueFd prober;
  client_.RunIn([&] { prober = BindUdp(Client(0)); });
  for (int i = 0; i < kPorts; ++i)
    ASSERT_EQ(SendDatagrams(prober.get(), Server(kFirst + i), 1, 8), 1);
  const ExpectedValues want = {{"socket_port_scans_detected_total", {{"protocol", "udp"}}, 1},
                               {"socket_port_scan_sources", {{"protocol", "udp"}}, 1}};
  const ParsedMetrics m = exporter_->ScrapeUntil([&](const ParsedMetrics& p) {
    return p.Sum(kNoSocket) >= kPorts && AllReached(p, want);
  });
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kNoSocket), kPorts) << m.Dump(kNoSocket);
  // No socket, no slot: closed ports count as port="other", and give TCP nothing.
  EXPECT_EQ(m.Value(kNoSocket, {{"port", "other"}}), kPorts);
  EXPECT_EQ(Kernel("NoPorts"), static_cast<uint64_t>(kPorts));
  EXPECT_EQ(m.Sum("socket_tcp_resets_sent_total"), 0);
  EXPECT_EQ(m.Value("socket_port_scans_detected_total", {{"protocol", "tcp"}}), 0);
  const std::string log = exporter_->Stderr();
  EXPECT_NE(log.find("rule=port_scan"), std::string::npos) << log;
  EXPECT_NE(log.find("src=" + std::string(GetParam().client)), std::string::npos) << log;
  EXPECT_NE(log.find("protocol=udp"), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(Families, ExporterUdpTest, ::testing::ValuesIn(kFamilies),
                         [](const auto& info) { return std::string(info.param.name); });

class ExporterUdpScopeTest : public NamespacedExporterTest {
 protected:
  Netns other_{"other"};
};

// `count` datagrams from a connected client to a server on port of ns, each answered.
void Exchange(const Netns& ns, uint16_t port, int count) {
  UniqueFd server, client;
  ns.RunIn([&] {
    server = BindUdp({kLoopback4, port});
    client = BindUdp({kLoopback4, 0});
    ASSERT_TRUE(ConnectUdp(client.get(), {kLoopback4, port}));
  });
  UdpEcho echo(server.get(), count);
  ASSERT_EQ(SendDatagrams(client.get(), {}, count, 32), count);
  ASSERT_EQ(ReceiveDatagrams(client.get(), count), count);
  ASSERT_EQ(echo.Join(), count);
}

TEST_F(ExporterUdpScopeTest, SelfScopeIgnoresIdenticalUdpTrafficInAnotherNamespace) {
  exporter_ = std::make_unique<ExporterProcess>(std::vector<std::string>{"--netns=self"}, &ns_);
  ASSERT_TRUE(exporter_->Start());
  constexpr uint16_t kPort = 5380;
  Exchange(ns_, kPort, 20);
  Exchange(other_, kPort, 50);
  const ExpectedValues want = {
      {kReceived, PortLabels(kPort, kInbound), 20}, {kSent, PortLabels(kPort, kInbound), 20},
      {kReceived, PortLabels(kPort, kOutbound), 20}, {kSent, PortLabels(kPort, kOutbound), 20}};
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kReceived), 40) << m.Dump(kReceived);
  EXPECT_EQ(m.Sum(kSent), 40) << m.Dump(kSent);
}

}  // namespace
}  // namespace se::test
