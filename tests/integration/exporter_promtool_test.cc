// The exposition passes promtool's linter and carries every contract family with its type.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "harness/command.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using std::chrono::seconds;

class ExporterPromtoolTest : public NamespacedExporterTest {
 protected:
  // Traffic that makes every TCP family non-empty: exchanges, refusals, aborts, an open
  // connection and an un-accepted one.
  void GenerateTraffic() {
    UniqueFd listener;
    ns_.RunIn([&] { listener = ListenTcp({kLoopback4, 7300}, 8); });
    {
      TcpServer server(listener.get(), 3, 100, CloseMode::kGraceful);
      ns_.RunIn([&] { RunClients({kLoopback4, 7300}, 3, 50); });
      ASSERT_EQ(server.Join().served, 3);
    }
    {
      TcpServer server(listener.get(), 1, 0, CloseMode::kReset);
      ns_.RunIn([&] { RunClients({kLoopback4, 7300}, 1, 10); });
      ASSERT_EQ(server.Join().served, 1);
    }
    ns_.RunIn([&] {
      ConnectMany({kLoopback4, 7301}, 2, {}, seconds(5));
      open_ = OpenConnections({kLoopback4, 7300}, 1);
    });
    listener_ = std::move(listener);
  }

  UniqueFd listener_;
  std::vector<UniqueFd> open_;
};

TEST_F(ExporterPromtoolTest, PromtoolCheckMetricsReportsNothingForARealScrape) {
  ASSERT_TRUE(InPath("promtool"))
      << "promtool is required for this test: install it with `apt-get install -y prometheus`";
  ASSERT_TRUE(StartExporter());
  GenerateTraffic();
  const HttpResponse r = exporter_->Get("/metrics");
  ASSERT_EQ(r.status, 200);
  const CommandResult check = RunCommand({"promtool", "check", "metrics"}, seconds(30), r.body);
  EXPECT_EQ(check.exit_code, 0);
  EXPECT_EQ(check.out + check.err, "");
}

TEST_F(ExporterPromtoolTest, EveryContractFamilyIsExportedWithItsTypeAndOneSentenceHelp) {
  ASSERT_TRUE(StartExporter());
  GenerateTraffic();
  const std::vector<std::pair<std::string, std::string>> families = {
      {"socket_tcp_connects_total", "counter"},
      {"socket_tcp_connect_failures_total", "counter"},
      {"socket_tcp_connect_duration_seconds", "histogram"},
      {"socket_tcp_accepts_total", "counter"},
      {"socket_tcp_resets_sent_total", "counter"},
      {"socket_tcp_resets_received_total", "counter"},
      {"socket_tcp_connection_duration_seconds", "histogram"},
      {"socket_tcp_sent_bytes_total", "counter"},
      {"socket_tcp_received_bytes_total", "counter"},
      {"socket_tcp_established", "gauge"},
      {"socket_tcp_accept_queue_length", "gauge"},
      {"socket_tcp_accept_queue_limit", "gauge"},
      {"socket_listener_info", "gauge"},
      {"socket_exporter_build_info", "gauge"},
      {"socket_exporter_probe_attached", "gauge"},
      {"socket_exporter_bpf_missed_events_total", "counter"},
  };
  const ParsedMetrics m = exporter_->Scrape();
  for (const auto& [family, type] : families) {
    EXPECT_EQ(m.Type(family), type) << family;
    const std::string help = m.Help(family);
    EXPECT_TRUE(!help.empty() && help.back() == '.') << family << " HELP: " << help;
    EXPECT_EQ(help.find(". "), std::string::npos) << family << " HELP is not one sentence";
    const std::string sample = type == "histogram" ? family + "_count" : family;
    EXPECT_TRUE(m.Has(sample)) << family << " has no samples";
  }
}

}  // namespace
}  // namespace se::test
