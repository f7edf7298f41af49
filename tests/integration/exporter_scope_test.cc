// Namespace scope: traffic outside the exporter's --netns scope is never counted.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

constexpr uint16_t kPort = 7060;

// `count` request/response exchanges with a fresh listener on port inside ns.
void RunExchanges(const Netns& ns, uint16_t port, int count) {
  UniqueFd listener;
  ns.RunIn([&] { listener = ListenTcp({kLoopback4, port}, 16); });
  TcpServer server(listener.get(), count, 10, CloseMode::kGraceful);
  ClientStats clients;
  ns.RunIn([&] { clients = RunClients({kLoopback4, port}, count, 10); });
  ASSERT_EQ(server.Join().served, count);
  ASSERT_EQ(clients.connected, count);
}

ExpectedValues Counted(uint16_t port, double count) {
  return {
      {"socket_tcp_accepts_total", PortLabels(port), count},
      {"socket_tcp_connects_total", PortLabels(port), count},
      {"socket_tcp_connection_duration_seconds_count", PortLabels(port, {{"direction", "inbound"}}),
       count},
  };
}

class ExporterScopeTest : public NamespacedExporterTest {
 protected:
  Netns other_{"other"};
};

TEST_F(ExporterScopeTest, NamespacePathScopeIgnoresIdenticalTrafficInAnotherNamespace) {
  ASSERT_TRUE(StartExporter());
  RunExchanges(ns_, kPort, 2);
  RunExchanges(other_, kPort, 5);
  const ExpectedValues want = Counted(kPort, 2);
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  // The harness's own scrapes happen in the root namespace and must not count either.
  EXPECT_EQ(m.Sum("socket_tcp_connects_total"), 2) << m.Dump("socket_tcp_connects_total");
  EXPECT_EQ(m.Sum("socket_tcp_accepts_total"), 2) << m.Dump("socket_tcp_accepts_total");
}

TEST_F(ExporterScopeTest, ProcNsPathScopeCountsTheNamespaceOfThatProcess) {
  const pid_t holder = Spawn({"sleep", "60"}, {-1, -1, ns_.Path()});
  ASSERT_GT(holder, 0);
  exporter_ = std::make_unique<ExporterProcess>(
      std::vector<std::string>{"--netns=/proc/" + std::to_string(holder) + "/ns/net"});
  const bool started = exporter_->Start();
  kill(holder, SIGKILL);  // the exporter resolved the path at start-up
  WaitForExit(holder, std::chrono::seconds(5));
  ASSERT_TRUE(started) << exporter_->Stderr();
  RunExchanges(ns_, kPort, 3);
  RunExchanges(other_, kPort, 4);
  const ExpectedValues want = Counted(kPort, 3);
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum("socket_tcp_accepts_total"), 3) << m.Dump("socket_tcp_accepts_total");
}

TEST_F(ExporterScopeTest, SelfScopeCountsOnlyTheNamespaceTheExporterRunsIn) {
  exporter_ = std::make_unique<ExporterProcess>(std::vector<std::string>{"--netns=self"}, &ns_);
  ASSERT_TRUE(exporter_->Start());
  RunExchanges(ns_, kPort, 3);
  RunExchanges(other_, kPort, 5);
  const ExpectedValues want = Counted(kPort, 3);
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
}

TEST_F(ExporterScopeTest, DefaultScopeIsTheExportersOwnNamespace) {
  exporter_ = std::make_unique<ExporterProcess>(std::vector<std::string>{}, &ns_);
  ASSERT_TRUE(exporter_->Start());
  RunExchanges(ns_, kPort, 2);
  RunExchanges(other_, kPort, 6);
  const ExpectedValues want = Counted(kPort, 2);
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
}

TEST_F(ExporterScopeTest, AllScopeCountsEveryNamespace) {
  // The whole host is in scope: a port nobody else is likely to use keeps the count exact.
  const uint16_t port = static_cast<uint16_t>(17000 + getpid() % 1000);
  exporter_ = std::make_unique<ExporterProcess>(
      std::vector<std::string>{"--netns=all", "--ports.track=" + std::to_string(port)});
  ASSERT_TRUE(exporter_->Start());
  RunExchanges(ns_, port, 3);
  RunExchanges(other_, port, 5);
  // --netns=all attributes every series to a workload (this process's cgroup): per port, the
  // sum over workloads is the count.
  const auto counted = [port](const ParsedMetrics& m) {
    for (const Expected& e : Counted(port, 8)) {
      if (m.Sum(e.name, e.labels) != e.value) return false;
    }
    return true;
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(counted);
  for (const Expected& e : Counted(port, 8))
    EXPECT_EQ(m.Sum(e.name, e.labels), e.value) << m.Dump(e.name);
  EXPECT_EQ(m.LabelValues("socket_tcp_accepts_total", "workload", PortLabels(port)).size(), 1u)
      << m.Dump("socket_tcp_accepts_total");
}

}  // namespace
}  // namespace se::test
