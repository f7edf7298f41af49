// Process lifecycle and HTTP surface: readiness, endpoints, flags, and clean shutdown.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "harness/bpf_programs.h"
#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using std::chrono::seconds;

const std::vector<std::string> kProbes = {"inet_sock_set_state", "tcp_send_reset",
                                          "tcp_receive_reset"};

class ExporterLifecycleTest : public NamespacedExporterTest {
 protected:
  // Stops the running exporter with `signal` and expects exit 0 with its programs released.
  void ExpectCleanShutdown(int signal) {
    const std::set<uint32_t> held = BpfProgramIdsHeldBy(exporter_->pid());
    EXPECT_GE(held.size(), kProbes.size()) << "programs held by the exporter";
    EXPECT_EQ(exporter_->Stop(signal), 0) << "stderr:\n" << exporter_->Stderr();
    const std::set<uint32_t> left = ProgramsStillLoaded(held, seconds(5));
    EXPECT_TRUE(left.empty()) << left.size() << " programs still loaded after exit";
    EXPECT_EQ(exporter_->Stderr().find("level=error"), std::string::npos) << exporter_->Stderr();
  }
};

TEST_F(ExporterLifecycleTest, SigtermExitsZeroAndReleasesEveryProgram) {
  ASSERT_TRUE(StartExporter());
  ExpectCleanShutdown(SIGTERM);
}

TEST_F(ExporterLifecycleTest, SigintExitsZeroAndReleasesEveryProgram) {
  ASSERT_TRUE(StartExporter());
  ExpectCleanShutdown(SIGINT);
}

// A tcx link lives as long as its fd: however the exporter ends, the kernel detaches the TC
// SYN counter from every interface and frees it.
TEST_F(ExporterLifecycleTest, TcSynCounterIsReleasedOnSigtermAndOnSigkill) {
  for (const int signal : {SIGTERM, SIGKILL}) {
    ASSERT_TRUE(StartExporter({"--probes.syn-hook=tc"}));
    const std::set<uint32_t> held = BpfProgramIdsHeldBy(exporter_->pid());
    uint32_t tc_id = 0;
    for (const BpfProgram& p : ListBpfPrograms())
      if (p.name == "syn_tc_ingress" && held.count(p.id)) tc_id = p.id;
    ASSERT_NE(tc_id, 0u) << "syn_tc_ingress not among the exporter's programs";
    EXPECT_EQ(exporter_->Stop(signal), signal == SIGKILL ? 128 + SIGKILL : 0)
        << exporter_->Stderr();
    const std::set<uint32_t> left = ProgramsStillLoaded(held, seconds(5));
    EXPECT_TRUE(left.empty()) << left.size() << " programs still loaded after signal " << signal;
  }
}

TEST_F(ExporterLifecycleTest, EveryProbeReportsAttachedWithItsMissedEventCounter) {
  ASSERT_TRUE(StartExporter());
  const ParsedMetrics m = exporter_->Scrape();
  for (const auto& probe : kProbes) {
    EXPECT_EQ(m.Value("socket_exporter_probe_attached", {{"probe", probe}}), 1)
        << m.Dump("socket_exporter_probe_attached");
    EXPECT_TRUE(m.Has("socket_exporter_bpf_missed_events_total", {{"probe", probe}}))
        << m.Dump("socket_exporter_bpf_missed_events_total");
  }
}

TEST_F(ExporterLifecycleTest, HealthReadinessAndLandingPageAnswer) {
  ASSERT_TRUE(StartExporter());
  const HttpResponse healthy = exporter_->Get("/-/healthy");
  EXPECT_EQ(healthy.status, 200);
  EXPECT_EQ(NonEmptyLines(healthy.body), std::vector<std::string>{"OK"});
  EXPECT_EQ(exporter_->Get("/-/ready").status, 200);
  const HttpResponse landing = exporter_->Get("/");
  EXPECT_EQ(landing.status, 200);
  EXPECT_NE(landing.body.find("metrics\""), std::string::npos) << landing.body;
}

TEST_F(ExporterLifecycleTest, CustomTelemetryPathServesTheMetrics) {
  ASSERT_TRUE(StartExporter({"--web.telemetry-path=/custom/stats"}));
  const HttpResponse r = exporter_->Get("/custom/stats");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(ParsedMetrics::Parse(r.body).Has("socket_exporter_build_info"));
  EXPECT_NE(exporter_->Get("/").body.find("custom/stats"), std::string::npos);
}

TEST_F(ExporterLifecycleTest, BuildInfoMatchesTheVersionFlag) {
  const CommandResult version = RunExporterToExit({"--version"});
  ASSERT_EQ(version.exit_code, 0);
  std::smatch match;
  ASSERT_TRUE(
      std::regex_search(version.out, match, std::regex(R"(version (\S+) \(revision: ([^)]+)\))")))
      << version.out;
  ASSERT_TRUE(StartExporter());
  const ParsedMetrics m = exporter_->Scrape();
  EXPECT_EQ(m.Value("socket_exporter_build_info",
                    {{"version", match[1].str()}, {"revision", match[2].str()}}),
            1)
      << m.Dump("socket_exporter_build_info");
}

TEST_F(ExporterLifecycleTest, ConcurrentScrapersAllGetCompleteResponses) {
  ASSERT_TRUE(StartExporter());
  std::atomic<int> complete{0};
  std::vector<std::thread> scrapers;
  for (int t = 0; t < 4; ++t) {
    scrapers.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const HttpResponse r = exporter_->Get("/metrics");
        const ParsedMetrics m = ParsedMetrics::Parse(r.body);
        if (r.status == 200 && m.Errors().empty() && m.Has("socket_exporter_build_info"))
          ++complete;
      }
    });
  }
  for (auto& t : scrapers) t.join();
  EXPECT_EQ(complete.load(), 40);
}

TEST_F(ExporterLifecycleTest, SpaceSeparatedFlagValuesAreAccepted) {
  exporter_ = std::make_unique<ExporterProcess>(std::vector<std::string>{
      "--netns", ns_.Path(), "--ports.track", "45000", "--ports.max", "4"});
  ASSERT_TRUE(exporter_->Start());
  std::map<int, int> outcomes;
  ConnectOptions other_source;  // 45000 is ephemeral: never let a connect pick it as its source
  other_source.source = "127.0.0.2";
  ns_.RunIn([&] { outcomes = ConnectMany({kLoopback4, 45000}, 2, other_source, seconds(5)); });
  ASSERT_EQ(outcomes, (std::map<int, int>{{ECONNREFUSED, 2}}));
  const ExpectedValues want = {{"socket_tcp_connects_total", PortLabels(45000), 2}};
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
}

}  // namespace
}  // namespace se::test
