// SYN accounting under spoofed SYNs and withheld ACKs: a client namespace joined to the
// server's by a veth pair sends crafted SYNs from random sources in 10.201.0.0/16 (or
// fd00:201::/64); the SYN-ACKs cross back and die in the client namespace, which does not
// forward. Every number is checked against the server namespace's own view (nstat, ss).
#include <gtest/gtest.h>

#include "harness/expectations.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"
#include "harness/veth_test.h"

namespace se::test {
namespace {

using std::chrono::milliseconds;

constexpr char kSyns[] = "socket_tcp_syns_received_total";
constexpr char kHalfOpen[] = "socket_tcp_half_open";
constexpr char kDrops[] = "socket_tcp_listen_drops_total";

class ExporterSynQueueTest : public VethExporterTest,
                             public ::testing::WithParamInterface<SynHookParam> {
 protected:
  ::testing::AssertionResult StartExporter() {
    return VethExporterTest::StartExporter({GetParam().flag});
  }

  void Listen(const char* address, uint16_t port, int backlog) {
    ns_.RunIn([&] { listeners_.push_back(ListenTcp({address, port}, backlog)); });
  }

  // Scrapes until the SYN counter of port reaches count, and checks it stops exactly there.
  ParsedMetrics ScrapeSyns(uint16_t port, double count) {
    const ExpectedValues want = {{kSyns, PortLabels(port), count}};
    const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
    ExpectValues(m, want);
    return m;
  }

  std::vector<UniqueFd> listeners_;
};

TEST_P(ExporterSynQueueTest, EverySpoofedSynIsCountedAsTheKernelCountedIt) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort4 = 7060, kPort6 = 7061;
  constexpr int kSyns4 = 600, kSyns6 = 250;
  Listen(VethLink::kServer4, kPort4, 1024);
  Listen(VethLink::kServer6, kPort6, 1024);
  const uint64_t segments_before = Nstat(ns_, "TcpInSegs");
  SendSpoofedSyns(client_, {.dst = VethLink::kServer4, .port_first = kPort4, .count = kSyns4});
  SendSpoofedSyns(
      client_,
      {.dst = VethLink::kServer6, .port_first = kPort6, .count = kSyns6, .src = "fd00:201::/64"});

  const ExpectedValues want = {
      {kSyns, PortLabels(kPort4), kSyns4},
      {kSyns, PortLabels(kPort6), kSyns6},
      {kHalfOpen, PortLabels(kPort4), kSyns4},
      {kHalfOpen, PortLabels(kPort6), kSyns6},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kSyns), kSyns4 + kSyns6) << m.Dump(kSyns);
  // The server namespace received exactly these TCP segments and holds exactly these
  // request sockets.
  EXPECT_EQ(Nstat(ns_, "TcpInSegs") - segments_before, uint64_t{kSyns4 + kSyns6});
  EXPECT_EQ(SsHalfOpen(ns_), kSyns4 + kSyns6);
}

TEST_P(ExporterSynQueueTest, SynAcksAreRetransmittedWhenTheFinalAcksAreWithheld) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7062;
  constexpr int kClients = 6;
  Listen(VethLink::kServer4, kPort, 64);
  WithholdFinalAcks(client_);
  // The clients see their SYN-ACKs and consider themselves connected; their ACKs never leave.
  std::vector<UniqueFd> clients;
  client_.RunIn([&] { clients = OpenConnections({VethLink::kServer4, kPort}, kClients); });
  ASSERT_EQ(clients.size(), size_t{kClients});

  const ExpectedValues half_open = {{kHalfOpen, PortLabels(kPort), kClients},
                                    {kSyns, PortLabels(kPort), kClients}};
  ExpectValues(exporter_->ScrapeUntil(Reached(half_open)), half_open);
  EXPECT_EQ(SsHalfOpen(ns_), kClients);
  // Each request socket retransmits its SYN-ACK at t = 1 s, 3 s, 7 s, ... The server
  // namespace sends no SYNs, so its TcpExtTCPSynRetrans counts exactly these SYN-ACKs.
  constexpr char kRetransmits[] = "socket_tcp_synack_retransmits_total";
  const ParsedMetrics first = exporter_->ScrapeUntil(
      [&](const ParsedMetrics& m) { return m.Value(kRetransmits, PortLabels(kPort)) >= kClients; },
      milliseconds(8000));
  ExpectValues(first, {{"socket_tcp_accepts_total", PortLabels(kPort), 0}});
  ASSERT_GE(first.Value(kRetransmits, PortLabels(kPort)), kClients) << first.Dump(kRetransmits);
  // Rounds are seconds apart: a scrape between two equal kernel readings must match them.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const uint64_t before = Nstat(ns_, "TcpExtTCPSynRetrans");
    const ParsedMetrics m = exporter_->Scrape();
    if (Nstat(ns_, "TcpExtTCPSynRetrans") != before) continue;
    ExpectValues(m, {{kRetransmits, PortLabels(kPort), static_cast<double>(before)}});
    return;
  }
  FAIL() << "TcpExtTCPSynRetrans kept moving during every scrape";
}

// A SYN queue of a few entries: the kernel answers the rest with SYN cookies. Every SYN that
// reached the listener either holds a request socket or got a cookie.
TEST_P(ExporterSynQueueTest, SynCookiesAnswerEverySynBeyondTheSynQueue) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7063;
  constexpr int kCount = 40;
  Listen(VethLink::kServer4, kPort, 4);
  SendSpoofedSyns(client_, {.dst = VethLink::kServer4, .port_first = kPort, .count = kCount});

  const ParsedMetrics m = ScrapeSyns(kPort, kCount);
  const double half_open = m.Value(kHalfOpen, PortLabels(kPort));
  const double cookies = m.Value("socket_tcp_syncookies_sent_total", {});
  EXPECT_GT(cookies, 0);
  EXPECT_EQ(half_open + cookies, kCount) << "half_open " << half_open;
  EXPECT_EQ(half_open, SsHalfOpen(ns_));
  EXPECT_EQ(cookies, Nstat(ns_, "TcpExtSyncookiesSent"));
  EXPECT_EQ(m.Value(kDrops, PortLabels(kPort)), 0);
}

// Without SYN cookies a full SYN queue drops SYNs: every SYN that reached the listener holds a
// request socket or was dropped, and the count survives the listener closing.
TEST_P(ExporterSynQueueTest, ListenDropsWithoutCookiesSurviveTheListenerClosing) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7064;
  constexpr int kCount = 40;
  const Labels port = PortLabels(kPort);
  ns_.Sysctl("net.ipv4.tcp_syncookies", "0");
  Listen(VethLink::kServer4, kPort, 4);
  SendSpoofedSyns(client_, {.dst = VethLink::kServer4, .port_first = kPort, .count = kCount});

  const ParsedMetrics m = ScrapeSyns(kPort, kCount);
  const double half_open = m.Value(kHalfOpen, port);
  const double drops = m.Value(kDrops, port);
  EXPECT_GT(drops, 0);
  EXPECT_EQ(half_open + drops, kCount) << "half_open " << half_open;
  EXPECT_EQ(half_open, SsHalfOpen(ns_));
  EXPECT_EQ(drops, Nstat(ns_, "TcpExtListenDrops"));
  EXPECT_EQ(m.Value("socket_tcp_syncookies_sent_total", {}), 0);

  listeners_.clear();  // the listener's counter now lives on in the BPF map
  const ParsedMetrics closed =
      exporter_->ScrapeUntil([&](const ParsedMetrics& x) { return !x.Has(kHalfOpen, port); });
  ExpectValues(closed, {{kDrops, port, drops}});
}

INSTANTIATE_TEST_SUITE_P(Hooks, ExporterSynQueueTest, ::testing::ValuesIn(kSynHooks), SynHookName);

}  // namespace
}  // namespace se::test
