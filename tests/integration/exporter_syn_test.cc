// SYNs that reach a listening socket, counted per port at packet level (cgroup_skb ingress).
#include <gtest/gtest.h>

#include <cerrno>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

constexpr char kSyns[] = "socket_tcp_syns_received_total";

class ExporterSynTest : public NamespacedExporterTest {
 protected:
  // Listens on port (not accepting), then sends `count` SYNs from random sources whose
  // SYN-ACKs go nowhere: the namespace routes everything to lo and does not forward.
  void SpoofSyns(uint16_t port, int backlog, int count) {
    ASSERT_TRUE(InPath("hping3")) << "hping3 is required (apt-get install -y hping3)";
    ns_.Ip({"route", "add", "default", "dev", "lo"});
    ns_.RunIn([&] { listener_ = ListenTcp({kLoopback4, port}, backlog); });
    const CommandResult flood =
        RunCommand({"ip", "netns", "exec", ns_.Name(), "hping3", "-q", "-c", std::to_string(count),
                    "-S", "-p", std::to_string(port), "--rand-source", "-i", "u2000", "127.0.0.1"},
                   std::chrono::seconds(10));
    ASSERT_FALSE(flood.timed_out()) << flood.err;
  }

  UniqueFd listener_;
};

TEST_F(ExporterSynTest, CountsEverySynThatReachesAListenerOverIpv4AndIpv6) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort4 = 7050, kPort6 = 7051, kClosed = 7052;
  constexpr int kConnects4 = 9, kConnects6 = 4, kRefused = 3;
  UniqueFd l4, l6;
  std::vector<UniqueFd> c4, c6;
  std::map<int, int> refused;
  ns_.RunIn([&] {
    l4 = ListenTcp({kLoopback4, kPort4}, 32);
    l6 = ListenTcp({kLoopback6, kPort6}, 32);
    c4 = OpenConnections({kLoopback4, kPort4}, kConnects4);
    c6 = OpenConnections({kLoopback6, kPort6}, kConnects6);
    refused = ConnectMany({kLoopback4, kClosed}, kRefused, {}, std::chrono::seconds(5));
  });
  ASSERT_EQ(c4.size(), static_cast<size_t>(kConnects4));
  ASSERT_EQ(c6.size(), static_cast<size_t>(kConnects6));
  ASSERT_EQ(refused, (std::map<int, int>{{ECONNREFUSED, kRefused}}));

  // SYNs to the closed port reach no listener: they show up as resets sent, not here.
  const ExpectedValues want = {
      {kSyns, PortLabels(kPort4), kConnects4},
      {kSyns, PortLabels(kPort6), kConnects6},
      {"socket_tcp_resets_sent_total",
       PortLabels(kClosed, {{"direction", "inbound"}, {"reason", "no_socket"}}), kRefused},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kSyns), kConnects4 + kConnects6) << m.Dump(kSyns);
  EXPECT_EQ(m.Value("socket_exporter_probe_attached", {{"probe", "syn_ingress"}}), 1);
}

TEST_F(ExporterSynTest, SynsInAnotherNamespaceAreNotCounted) {
  ASSERT_TRUE(StartExporter());
  Netns other("syn-other");
  constexpr uint16_t kPort = 7053;
  UniqueFd mine, theirs;
  std::vector<UniqueFd> a, b;
  other.RunIn([&] {
    theirs = ListenTcp({kLoopback4, kPort}, 16);
    b = OpenConnections({kLoopback4, kPort}, 5);
  });
  ns_.RunIn([&] {
    mine = ListenTcp({kLoopback4, kPort}, 16);
    a = OpenConnections({kLoopback4, kPort}, 2);
  });
  const ExpectedValues want = {{kSyns, PortLabels(kPort), 2}};
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kSyns), 2) << m.Dump(kSyns);
}

}  // namespace
}  // namespace se::test

namespace se::test {
namespace {

// Half-open handshakes: SYNs from spoofed sources whose SYN-ACKs go nowhere (the namespace
// routes everything to lo and does not forward), so each request socket stays in SYN_RECV and
// retransmits its SYN-ACK after 1 s.
TEST_F(ExporterSynTest, SpoofedSynsShowAsHalfOpenAndSynAckRetransmits) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7060;
  SpoofSyns(kPort, 128, 20);
  if (HasFatalFailure()) return;

  // Random sources include a few the IP layer drops (martians): count what reached the
  // listener, then check the two independent views agree exactly.
  const ParsedMetrics first = exporter_->ScrapeUntil(
      [](const ParsedMetrics& m) { return m.Has(kSyns, PortLabels(kPort)); });
  const double syns = first.Value(kSyns, PortLabels(kPort));
  ASSERT_GT(syns, 10);
  ASSERT_LE(syns, 20);
  const ExpectedValues half_open = {{"socket_tcp_half_open", PortLabels(kPort), syns}};
  ExpectValues(exporter_->ScrapeUntil(Reached(half_open)), half_open);
  // First retransmission round of every request socket: t = 1 s; the second comes at 3 s.
  const ExpectedValues retransmits = {
      {"socket_tcp_synack_retransmits_total", PortLabels(kPort), syns}};
  ExpectValues(exporter_->ScrapeUntil(Reached(retransmits), std::chrono::milliseconds(2500)),
               retransmits);
}

// A SYN queue of a few entries under 30 spoofed SYNs: the kernel answers the rest with SYN
// cookies. Every SYN that reached the listener either holds a request socket or got a cookie.
TEST_F(ExporterSynTest, SynCookiesAccountForEverySynBeyondTheSynQueue) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7061;
  SpoofSyns(kPort, 4, 30);
  if (HasFatalFailure()) return;

  const ParsedMetrics m = exporter_->ScrapeUntil(
      [](const ParsedMetrics& x) { return x.Has(kSyns, PortLabels(kPort)); });
  const double syns = m.Value(kSyns, PortLabels(kPort));
  const double half_open = m.Value("socket_tcp_half_open", PortLabels(kPort));
  const double cookies = m.Value("socket_tcp_syncookies_sent_total", {});
  EXPECT_GT(syns, 20);
  EXPECT_GT(cookies, 0);
  EXPECT_EQ(syns, half_open + cookies) << "syns " << syns << " half_open " << half_open;
  // The namespace's own counter, read with the kernel's tool, says the same.
  const CommandResult nstat =
      RunCommand({"ip", "netns", "exec", ns_.Name(), "nstat", "-asz", "TcpExtSyncookiesSent"});
  ASSERT_EQ(nstat.exit_code, 0) << nstat.err;
  EXPECT_NE(nstat.out.find(std::to_string(static_cast<uint64_t>(cookies))), std::string::npos)
      << nstat.out;
}

// Without SYN cookies a full SYN queue drops SYNs: every SYN that reached the listener holds a
// request socket or was dropped, and the count survives the listener closing.
TEST_F(ExporterSynTest, ListenDropsWithoutCookiesSurviveTheListenerClosing) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7062;
  const Labels port = PortLabels(kPort);
  ns_.Sysctl("net.ipv4.tcp_syncookies", "0");
  SpoofSyns(kPort, 4, 30);
  if (HasFatalFailure()) return;

  const ParsedMetrics m =
      exporter_->ScrapeUntil([&](const ParsedMetrics& x) { return x.Has(kSyns, port); });
  const double syns = m.Value(kSyns, port);
  const double half_open = m.Value("socket_tcp_half_open", port);
  const double drops = m.Value("socket_tcp_listen_drops_total", port);
  EXPECT_GT(syns, 20);
  EXPECT_GT(drops, 0);
  EXPECT_EQ(syns, half_open + drops) << "syns " << syns << " half_open " << half_open;
  EXPECT_EQ(m.Value("socket_tcp_syncookies_sent_total", {}), 0);
  const CommandResult nstat =
      RunCommand({"ip", "netns", "exec", ns_.Name(), "nstat", "-asz", "TcpExtListenDrops"});
  EXPECT_NE(nstat.out.find(" " + std::to_string(static_cast<uint64_t>(drops)) + " "),
            std::string::npos)
      << nstat.out;

  listener_.reset();  // the listener's counter now lives on in the BPF map
  const ExpectedValues after = {{"socket_tcp_listen_drops_total", port, drops}};
  const ParsedMetrics closed = exporter_->ScrapeUntil(
      [&](const ParsedMetrics& x) { return !x.Has("socket_tcp_half_open", port); });
  ExpectValues(closed, after);
}

}  // namespace
}  // namespace se::test
