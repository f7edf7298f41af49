// The alert rules of deploy/prometheus/alerts.yml end to end: the exporter watches a server
// namespace, a real Prometheus scrapes it every second and evaluates the rules, a real
// Alertmanager routes what fires to a webhook receiver in this process. Ordinary traffic
// notifies nothing; a spoofed SYN flood notifies SocketSynFloodActive for its port; a vertical
// scan of closed ports notifies SocketPortScanDetected, labelled with the scan's protocol (TCP,
// or UDP for datagrams to closed ports).
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/command.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"
#include "harness/udp_traffic.h"
#include "harness/veth_test.h"
#include "stack.h"
#include "webhook.h"

namespace se::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kSynFloodAlert[] = "SocketSynFloodActive";
constexpr char kPortScanAlert[] = "SocketPortScanDetected";

// Fresh exporter, Prometheus, Alertmanager and receiver per test; all stopped by pid after it.
class AlertingTest : public VethExporterTest {
 protected:
  void SetUp() override {
    VethExporterTest::SetUp();
    ASSERT_TRUE(StartExporter());
    ASSERT_TRUE(stack_.Start(exporter_->port()));
  }

  ::testing::AssertionResult RuleLoaded(const std::string& alertname) const {
    const std::set<std::string> names = stack_.AlertRuleNames();
    if (names.count(alertname) != 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "Prometheus has no alerting rule " << alertname << " from " << AlertRulesFile()
           << " (loaded: " << names.size() << " rules)";
  }

  double SecondsSince(Clock::time_point start, Clock::time_point end) const {
    return std::chrono::duration<double>(end - start).count();
  }

  AlertingStack stack_{AlertRulesFile()};
};

// A background child killed by pid when the test no longer needs it.
class ChildProcess {
 public:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ~ChildProcess() { Stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Stop() {
    if (pid_ <= 0) return;
    if (WaitForExit(pid_, milliseconds(0)) == kTimedOut) {
      kill(pid_, SIGKILL);
      WaitForExit(pid_, seconds(5));
    }
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

// 1000 SYN/s from random 10.201.0.0/16 sources to `port`; at most 50000 and at most 60 s (the
// harness's SpawnSpoofedSyns stops at 30 s, too soon for a rule that must hold for 30 s).
pid_t SpawnLongFlood(const Netns& client, uint16_t port) {
  SpawnOptions options;
  options.netns_path = client.Path();
  return Spawn(
      {SE_SYNGEN_BINARY, "--dst", VethLink::kServer4, "--ports", std::to_string(port), "--count",
       "50000", "--src", "10.201.0.0/16", "--rate", "1000", "--max-seconds", "60"},
      options);
}

std::string LabelOf(const NotifiedAlert& alert, const std::string& name) {
  const auto it = alert.labels.find(name);
  return it != alert.labels.end() ? it->second : "";
}

// Samples whose names start with `prefix`, for failure messages.
std::string DumpFamilies(const ParsedMetrics& metrics, const std::string& prefix) {
  std::string out;
  for (const Sample& s : metrics.All()) {
    if (s.name.compare(0, prefix.size(), prefix) == 0)
      out += "  " + s.name + FormatLabels(s.labels) + " " + std::to_string(s.value) + "\n";
  }
  return out.empty() ? "  (none)\n" : out;
}

TEST_F(AlertingTest, OrdinaryTrafficNotifiesNothingAndLeavesNoAlertPending) {
  constexpr uint16_t kPort = 7090, kClosed = 7091;
  constexpr int kConnections = 200;
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({VethLink::kServer4, kPort}, 256); });
  TcpServer server(listener.get(), kConnections, 0, CloseMode::kGraceful);
  ClientStats clients;
  std::vector<int> refused;
  client_.RunIn([&] {
    clients = RunClients({VethLink::kServer4, kPort}, kConnections, 0);
    for (int i = 0; i < 3; ++i)
      refused.push_back(ConnectTcp({VethLink::kServer4, kClosed}, seconds(2)).error);
  });
  ASSERT_EQ(clients.connected, kConnections);
  ASSERT_EQ(server.Join().served, kConnections);
  EXPECT_EQ(refused, std::vector<int>(3, ECONNREFUSED));

  // Fifteen scrapes and rule evaluations after the traffic.
  std::this_thread::sleep_for(seconds(15));
  // Prometheus saw the traffic, so the silence below is not for want of data.
  EXPECT_EQ(stack_.Query("sum(socket_tcp_accepts_total{job=\"socket_exporter\",port=\"7090\"})"),
            kConnections)
      << stack_.Describe();
  // Prometheus asks for gzip: every scrape it stored was one (its samples, up among them, are
  // committed together, so one instant sees both counts alike).
  EXPECT_GE(stack_.Query("count_over_time(up{job=\"socket_exporter\"}[1h])"), 15);
  EXPECT_EQ(
      stack_.Query("sum(socket_exporter_scrape_requests_total{job=\"socket_exporter\","
                   "encoding=\"gzip\"}) - sum(count_over_time(up{job=\"socket_exporter\"}[1h]))"),
      0)
      << stack_.Describe();
  std::vector<PrometheusAlert> alerts;
  ASSERT_TRUE(stack_.PrometheusAlerts(&alerts));
  EXPECT_TRUE(alerts.empty()) << "alerts pending or firing in Prometheus:" << FormatAlerts(alerts);
  EXPECT_TRUE(stack_.webhook().Notifications().empty()) << stack_.Describe();
}

TEST_F(AlertingTest, SpoofedSynFloodNotifiesSynFloodActiveForItsPortWithin70s) {
  ASSERT_TRUE(RuleLoaded(kSynFloodAlert));
  constexpr uint16_t kPort = 7080;
  UniqueFd listener;  // never accepts
  ns_.RunIn([&] { listener = ListenTcp({VethLink::kServer4, kPort}, 16); });
  // The detector knows the port (a baseline tick) before the flood.
  exporter_->ScrapeUntil(
      [](const ParsedMetrics& m) {
        return m.Has("socket_syn_flood_active", {{"port", "7080"}});
      },
      seconds(4));

  const Clock::time_point start = Clock::now();
  ChildProcess flood(SpawnLongFlood(client_, kPort));
  ASSERT_GT(flood.pid(), 0);
  Clock::time_point fired_at;
  const auto fired =
      stack_.webhook().WaitForAlert(AlertIs(kSynFloodAlert), start + seconds(70), &fired_at);
  ASSERT_TRUE(fired) << "no firing " << kSynFloodAlert << " notification within 70 s of the "
                     << "flood's start\n"
                     << stack_.Describe();
  std::cout << kSynFloodAlert << " notified " << SecondsSince(start, fired_at)
            << " s after the flood started\n";
  EXPECT_EQ(LabelOf(*fired, "port"), "7080") << FormatLabels(fired->labels);
  EXPECT_EQ(LabelOf(*fired, "job"), "socket_exporter") << FormatLabels(fired->labels);
  EXPECT_NE(LabelOf(*fired, "severity"), "") << FormatLabels(fired->labels);

  flood.Stop();
  const Clock::time_point stopped = Clock::now();
  Clock::time_point resolved_at;
  const auto resolved = stack_.webhook().WaitForAlert(AlertIs(kSynFloodAlert, "resolved"),
                                                      stopped + seconds(30), &resolved_at);
  EXPECT_TRUE(resolved) << "no resolved " << kSynFloodAlert << " notification within 30 s of "
                        << "the flood's end\n"
                        << stack_.Describe();
  if (resolved) {
    std::cout << kSynFloodAlert << " resolved " << SecondsSince(stopped, resolved_at)
              << " s after the flood stopped\n";
  }
  EXPECT_EQ(stack_.webhook().AlertNames(), std::set<std::string>{kSynFloodAlert})
      << stack_.Describe();
}

TEST_F(AlertingTest, VerticalScanOfThirtyClosedPortsNotifiesPortScanDetectedWithin30s) {
  ASSERT_TRUE(RuleLoaded(kPortScanAlert));
  const uint64_t resets_before = Nstat(ns_, "TcpOutRsts");
  const Clock::time_point start = Clock::now();
  // One SYN to each closed port 7100-7129 from a single spoofed source.
  SendSpoofedSyns(client_, {.dst = VethLink::kServer4,
                            .port_first = 7100,
                            .port_last = 7129,
                            .count = 30,
                            .src = "10.201.7.7/32",
                            .rate = 100});
  // The server refused every probe, so there is a scan to see.
  EXPECT_GE(Nstat(ns_, "TcpOutRsts") - resets_before, 30u);

  Clock::time_point fired_at;
  const auto fired =
      stack_.webhook().WaitForAlert(AlertIs(kPortScanAlert), start + seconds(30), &fired_at);
  ASSERT_TRUE(fired) << "no firing " << kPortScanAlert << " notification within 30 s of one "
                     << "source probing 30 closed ports; this needs the exporter's port scan "
                     << "detector to export a scan. Exporter's port scan series:\n"
                     << DumpFamilies(exporter_->Scrape(), "socket_port_scan") << stack_.Describe();
  std::cout << kPortScanAlert << " notified " << SecondsSince(start, fired_at)
            << " s after the scan started\n";
  EXPECT_NE(LabelOf(*fired, "severity"), "") << FormatLabels(fired->labels);
  EXPECT_EQ(LabelOf(*fired, "protocol"), "tcp") << FormatLabels(fired->labels);
  EXPECT_EQ(stack_.webhook().AlertNames(), std::set<std::string>{kPortScanAlert})
      << stack_.Describe();
}

TEST_F(AlertingTest, UdpScanOfThirtyClosedPortsNotifiesPortScanDetectedForUdpWithin30s) {
  ASSERT_TRUE(RuleLoaded(kPortScanAlert));
  const uint64_t no_ports_before = Nstat(ns_, "UdpNoPorts");
  const Clock::time_point start = Clock::now();
  // One datagram to each closed port 7200-7229 from one source, as a UDP port scanner sends.
  client_.RunIn([] {
    UniqueFd prober = BindUdp({VethLink::kClient4, 0});
    for (uint16_t port = 7200; port < 7230; ++port)
      SendDatagrams(prober.get(), {VethLink::kServer4, port}, 1, 8);
  });
  Clock::time_point fired_at;
  const auto fired =
      stack_.webhook().WaitForAlert(AlertIs(kPortScanAlert), start + seconds(30), &fired_at);
  // Every probe reached the server and found no socket: there is a scan to see.
  EXPECT_EQ(Nstat(ns_, "UdpNoPorts") - no_ports_before, 30u);
  ASSERT_TRUE(fired) << "no firing " << kPortScanAlert << " notification within 30 s of one "
                     << "source sending datagrams to 30 closed ports. Exporter's series:\n"
                     << DumpFamilies(exporter_->Scrape(), "socket_port_scan")
                     << DumpFamilies(exporter_->Scrape(), "socket_udp_no_socket")
                     << stack_.Describe();
  std::cout << kPortScanAlert << " (udp) notified " << SecondsSince(start, fired_at)
            << " s after the scan started\n";
  EXPECT_EQ(LabelOf(*fired, "protocol"), "udp") << FormatLabels(fired->labels);
  EXPECT_EQ(stack_.webhook().AlertNames(), std::set<std::string>{kPortScanAlert})
      << stack_.Describe();
}

}  // namespace
}  // namespace se::test
