// The SYN flood detector end to end over a veth link between a client and a server namespace:
// spoofed floods flag their port within 2 s and clear after they stop; real, completed
// handshakes never flag.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"
#include "harness/veth_test.h"

namespace se::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr char kActive[] = "socket_syn_flood_active";
constexpr char kDetections[] = "socket_syn_flood_detections_total";

class ExporterSynFloodTest : public VethExporterTest {};

// The detector reads the same counters and source samples whichever hook counts the SYNs.
class ExporterSynFloodHookTest : public ExporterSynFloodTest,
                                 public ::testing::WithParamInterface<SynHookParam> {};

TEST_P(ExporterSynFloodHookTest, SpoofedFloodFlagsOnlyItsPortWithin2sAndClearsAfter) {
  ASSERT_TRUE(StartExporter({GetParam().flag}));
  constexpr uint16_t kFlooded = 7070, kQuiet = 7071;
  UniqueFd flooded, quiet;
  ns_.RunIn([&] {
    flooded = ListenTcp({VethLink::kServer4, kFlooded}, 16);
    quiet = ListenTcp({VethLink::kServer4, kQuiet}, 16);
  });
  // Both ports known to the detector (a baseline tick) before the flood.
  exporter_->ScrapeUntil(
      [](const ParsedMetrics& m) {
        return m.Has(kActive, {{"port", "7071"}});
      },
      seconds(4));
  // 1000 SYN/s for 4 s from random sources; bounded by count and by time.
  const Clock::time_point start = Clock::now();
  const pid_t flood = SpawnSpoofedSyns(
      client_, {.dst = VethLink::kServer4, .port_first = kFlooded, .count = 4000, .rate = 1000});
  ASSERT_GT(flood, 0);
  const ParsedMetrics during = exporter_->ScrapeUntil(
      [](const ParsedMetrics& m) {
        return m.Value(kActive, {{"port", "7070"}}) == 1;
      },
      milliseconds(2500), milliseconds(0));
  const auto flagged_after = Clock::now() - start;
  EXPECT_EQ(during.Value(kActive, PortLabels(kFlooded)), 1);
  EXPECT_LE(flagged_after, seconds(2) + milliseconds(500));
  EXPECT_EQ(during.Value(kActive, PortLabels(kQuiet)), 0);
  EXPECT_EQ(during.Value(kDetections, PortLabels(kFlooded)), 1);

  if (WaitForExit(flood, seconds(10)) == kTimedOut) kill(flood, SIGKILL);
  const Clock::time_point ended = Clock::now();
  const ParsedMetrics after = exporter_->ScrapeUntil(
      [](const ParsedMetrics& m) {
        return m.Value(kActive, {{"port", "7070"}}) == 0;
      },
      seconds(10), milliseconds(0));
  EXPECT_EQ(after.Value(kActive, PortLabels(kFlooded)), 0);
  EXPECT_LE(Clock::now() - ended, seconds(10));
  EXPECT_EQ(after.Value(kDetections, PortLabels(kFlooded)), 1);
  EXPECT_EQ(after.Value(kDetections, PortLabels(kQuiet)), 0);
  EXPECT_EQ(after.Value("socket_tcp_syns_received_total", PortLabels(kFlooded)), 4000);
  // One structured line at each end of the episode, naming the flooded port and the busiest
  // (spoofed) source /24 prefixes.
  const std::string log = exporter_->Stderr();
  const auto start_line = log.find("event=syn_flood_start");
  ASSERT_NE(start_line, std::string::npos) << log;
  const std::string line = log.substr(start_line, log.find('\n', start_line) - start_line);
  EXPECT_NE(line.find("port=7070"), std::string::npos) << line;
  EXPECT_NE(line.find("/24:"), std::string::npos) << line;
  EXPECT_NE(log.find("event=syn_flood_end"), std::string::npos) << log;
}

TEST_F(ExporterSynFloodTest, BurstOfTenThousandRealConnectionsNeverFlags) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort = 7072;
  constexpr int kConnections = 10000;
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({VethLink::kServer4, kPort}, 4096); });
  exporter_->ScrapeUntil(
      [](const ParsedMetrics& m) {
        return m.Has(kActive, {{"port", "7072"}});
      },
      seconds(4));
  TcpServer server(listener.get(), kConnections, 0, CloseMode::kGraceful);
  ClientStats clients;
  client_.RunIn([&] { clients = RunClients({VethLink::kServer4, kPort}, kConnections, 0); });
  ASSERT_EQ(clients.connected, kConnections);
  ASSERT_EQ(server.Join().served, kConnections);
  // Two more detector ticks after the burst, then the verdict.
  std::this_thread::sleep_for(seconds(2));
  const ParsedMetrics m = exporter_->Scrape();
  EXPECT_EQ(m.Value("socket_tcp_syns_received_total", PortLabels(kPort)), kConnections);
  EXPECT_EQ(m.Value("socket_tcp_accepts_total", PortLabels(kPort)), kConnections);
  EXPECT_EQ(m.Value(kActive, PortLabels(kPort)), 0);
  EXPECT_EQ(m.Value(kDetections, PortLabels(kPort)), 0);
}

INSTANTIATE_TEST_SUITE_P(Hooks, ExporterSynFloodHookTest, ::testing::ValuesIn(kSynHooks),
                         SynHookName);

}  // namespace
}  // namespace se::test
