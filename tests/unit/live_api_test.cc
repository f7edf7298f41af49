#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "findings/finding_log.h"
#include "live/api_json.h"
#include "live/port_view.h"

namespace se {
namespace {

using nlohmann::json;

se_port_counters Zero() {
  se_port_counters c;
  std::memset(&c, 0, sizeof(c));
  return c;
}

KernelSnapshot Kernel() {
  KernelSnapshot k;
  k.ports = PortFolding({0, 22, 80, 443});
  se_port_counters quiet = Zero(), busy = Zero();
  quiet.accepts = 5;
  busy.accepts = 900;
  busy.connect_failures[SE_FAIL_TIMEOUT] = 2;
  busy.bytes_sent[SE_DIR_INBOUND] = 10;
  busy.bytes_sent[SE_DIR_OUTBOUND] = 20;
  k.counters = {{"22", quiet}, {"80", busy}, {"443", Zero()}, {"other", Zero()}};
  k.programs = {{"inet_sock_set_state", true, 0, 0, 0}, {"syn_ingress", false, 0, 0, 0}};
  return k;
}

InventorySnapshot Tables() {
  InventorySnapshot s;
  s.ok = true;
  s.listeners = {{Protocol::kTcp, "0.0.0.0", 22, "sshd", 1, 128}};
  s.established = {{Direction::kInbound, 22, 3}};
  return s;
}

TEST(PortViewsTest, ActiveLabelsOnlyMostActiveFirst) {
  SynFloodState flood;
  flood.ports = {{"80", true, 1}};
  std::map<std::string, PortRates> rates;
  rates["80"].accepts = 50;
  const auto views = BuildPortViews(Kernel(), Tables(), flood, rates);
  ASSERT_EQ(views.size(), 2u);  // 443 and "other" counted nothing and have no listener
  EXPECT_EQ(views[0].port, "80");
  EXPECT_TRUE(views[0].syn_flood_active);
  EXPECT_EQ(views[1].port, "22");
  EXPECT_EQ(views[1].gauges.established[0], 3u);
  EXPECT_EQ(views[1].gauges.accept_queue_limit, 128u);
  EXPECT_TRUE(views[1].gauges.tcp_listener);
}

TEST(PortsJsonTest, TotalsAreNamedAsTheMetricsAndSummedOverFoldedLabels) {
  const KernelSnapshot k = Kernel();
  const json j = json::parse(PortsJson(1.5, BuildPortViews(k, Tables(), {}, {}), k, 7));
  EXPECT_EQ(j["time"], 1.5);
  EXPECT_EQ(j["port_scan_sources"], 7);
  ASSERT_EQ(j["probes"].size(), 2u);
  EXPECT_EQ(j["probes"][1], (json{{"probe", "syn_ingress"}, {"attached", false}}));
  const json& p80 = j["ports"][0]["port"] == "80" ? j["ports"][0] : j["ports"][1];
  EXPECT_EQ(p80["accepts"], 900);
  EXPECT_EQ(p80["connect_failures"],
            (json{{"refused", 0}, {"timeout", 2}, {"unreachable", 0}, {"other", 0}}));
  EXPECT_EQ(p80["sent_bytes"], 30);
  for (const char* key :
       {"connects", "resets_sent", "resets_received", "syns_received", "synack_retransmits",
        "listen_drops", "received_bytes", "established", "accept_queue_length",
        "accept_queue_limit", "half_open", "rates", "syn_flood_active"})
    EXPECT_TRUE(p80.contains(key)) << key;
}

TEST(FindingsJsonTest, NewestFirstAtMostTheRecentBound) {
  EventLogConfig config;
  config.burst = 1000;
  config.max_lines_per_second = 100000;
  std::string error;
  auto log = FindingLog::Open(config, "", &error);
  ASSERT_TRUE(log) << error;
  const auto now = std::chrono::steady_clock::now();
  for (int i = 0; i < 150; ++i) {
    Finding f;
    f.rule = "unexpected_listener";
    f.destination_port = static_cast<uint16_t>(1000 + i);
    f.extra = {{"protocol", "tcp"}};
    log->Record(f, now);
  }
  const json j = json::parse(FindingsJson(log->Recent()));
  ASSERT_EQ(j["findings"].size(), FindingLog::kRecentFindings);
  EXPECT_EQ(j["findings"][0]["dst_port"], 1149);
  EXPECT_EQ(j["findings"][99]["dst_port"], 1050);
  EXPECT_EQ(j["findings"][0]["extra"], (json{{"protocol", "tcp"}}));
}

TEST(HistoryJsonTest, OneValuePerTimeForEverySeries) {
  RateHistory h;
  LabelledCounters c{"80", Zero()};
  h.Record(0, 2, {c});
  c.counters.accepts = 3;
  h.Record(2, 2, {c});
  const json j = json::parse(HistoryJson(h.Get()));
  EXPECT_EQ(j["capacity"], RateHistory::kCapacity);
  EXPECT_EQ(j["times"], (json{2.0}));
  EXPECT_EQ(j["ports"]["80"]["accepts"], (json{1.5}));
  EXPECT_EQ(j["ports"]["80"].size(), 6u);
}

}  // namespace
}  // namespace se
