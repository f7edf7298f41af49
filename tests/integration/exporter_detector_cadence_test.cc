// The detector loop runs every detector at its own configured cadence: with the SYN flood
// detector ticking once a minute, port scan episodes still end and UDP listeners on ports not
// allowed are still found within a second or two.
#include <gtest/gtest.h>

#include <fstream>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"
#include "harness/veth_test.h"

namespace se::test {
namespace {

using std::chrono::seconds;

constexpr char kSlowFlood[] = "syn_flood:\n  tick: 60s\n";

class ExporterDetectorCadenceTest : public VethExporterTest {
 protected:
  ::testing::AssertionResult StartWithConfig(const std::string& yaml) {
    config_ = MakeTempFile("se-cadence");
    std::ofstream(config_) << yaml;
    return StartExporter({"--config.file=" + config_});
  }
  std::string config_;
};

TEST_F(ExporterDetectorCadenceTest, ScanEpisodesEndAtThePortScanTickNotTheSynFloodTick) {
  ASSERT_TRUE(
      StartWithConfig(std::string(kSlowFlood) + "port_scan:\n  window: 1s\n  tick: 200ms\n"));
  SendSpoofedSyns(client_, {.dst = VethLink::kServer4,
                            .port_first = 7600,
                            .port_last = 7619,
                            .count = 20,
                            .src = "10.201.6.6"});
  const ExpectedValues flagged = {{"socket_port_scans_detected_total", {{"protocol", "tcp"}}, 1}};
  ExpectValues(exporter_->ScrapeUntil(Reached(flagged)), flagged);
  // Quiet for a window: the next port scan tick ends the episode (not a minute later).
  const ExpectedValues ended = {{"socket_port_scan_sources", {{"protocol", "tcp"}}, 0},
                                {"socket_port_scans_detected_total", {{"protocol", "tcp"}}, 1}};
  ExpectValues(exporter_->ScrapeUntil(Reached(ended), seconds(4)), ended);
  EXPECT_NE(exporter_->Stderr().find("scan_type=vertical state=ended"), std::string::npos)
      << exporter_->Stderr();
}

TEST_F(ExporterDetectorCadenceTest, ListenersAreCheckedAtThePolicyTickNotTheSynFloodTick) {
  ASSERT_TRUE(StartWithConfig(std::string(kSlowFlood) +
                              "policy:\n  allowed_listen_ports: [22]\n  tick: 200ms\n"));
  UniqueFd udp;
  ns_.RunIn([&] { udp = BindUdp({VethLink::kServer4, 9995}); });  // seen only by the tick
  const ExpectedValues want = {{"socket_suspicious_connections_total",
                                {{"port", "other"}, {"rule", "unexpected_listener"}},
                                1}};
  ExpectValues(exporter_->ScrapeUntil(Reached(want), seconds(3)), want);
}

}  // namespace
}  // namespace se::test
