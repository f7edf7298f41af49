#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>

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
        "listen_drops", "received_bytes", "retransmitted_segments", "sent_segments", "established",
        "accept_queue_length", "accept_queue_limit", "half_open", "rates", "retransmit_ratio",
        "syn_flood_active", "udp"})
    EXPECT_TRUE(p80.contains(key)) << key;
  EXPECT_EQ(p80["protocols"], (json{"tcp"}));
}

// Port 53: a bound UDP socket with traffic and drops; port 80: TCP with retransmissions.
KernelSnapshot UdpAndRetransmits() {
  KernelSnapshot k;
  k.ports = PortFolding({0, 53, 80});
  se_port_counters dns = Zero(), web = Zero();
  dns.udp_received_datagrams[SE_DIR_INBOUND] = 1000;
  dns.udp_received_datagrams[SE_DIR_OUTBOUND] = 1;
  dns.udp_received_bytes[SE_DIR_INBOUND] = 64000;
  dns.udp_sent_datagrams[SE_DIR_INBOUND] = 990;
  dns.udp_sent_bytes[SE_DIR_INBOUND] = 99000;
  dns.udp_drops[SE_UDP_DROP_RCVBUF] = 8;
  dns.udp_drops[SE_UDP_DROP_CHECKSUM] = 2;
  dns.udp_no_socket = 3;
  web.retransmits[SE_DIR_INBOUND] = 12;
  web.retransmits[SE_DIR_OUTBOUND] = 3;
  web.data_segments_at_retransmit[SE_DIR_INBOUND] = 900;
  web.data_segments_at_close[SE_DIR_OUTBOUND] = 600;
  k.counters = {{"53", dns}, {"80", web}, {"other", Zero()}};
  return k;
}

InventorySnapshot UdpTables() {
  InventorySnapshot s;
  s.ok = true;
  s.listeners = {{Protocol::kUdp, "0.0.0.0", 53, "dns", 0, 0, 0, 0, 2304, 212992},
                 {Protocol::kUdp, "::", 53, "dns", 0, 0, 0, 0, 768, 212992},
                 {Protocol::kUdp, "127.0.0.1", 5000, "idle", 0, 0, 0, 0, 0, 4608}};
  return s;
}

const json& PortEntry(const json& doc, const std::string& port) {
  for (const json& p : doc["ports"]) {
    if (p["port"] == port) return p;
  }
  throw std::runtime_error("no port " + port + " in " + doc.dump());
}

TEST(PortViewsTest, EachLabelSaysWhetherItHasTcpOrUdpDataAnIdleBoundSocketIncluded) {
  const auto views = BuildPortViews(UdpAndRetransmits(), UdpTables(), {}, {});
  std::map<std::string, std::pair<bool, bool>> protocols;
  for (const PortView& v : views) protocols[v.port] = {v.tcp, v.udp};
  // 5000 has no slot: its bound socket folds into "other".
  EXPECT_EQ(protocols,
            (std::map<std::string, std::pair<bool, bool>>{
                {"53", {false, true}}, {"80", {true, false}}, {"other", {false, true}}}));
}

TEST(PortsJsonTest, UdpSectionHasTheTotalsByReasonTheQueueAndTheRates) {
  const KernelSnapshot k = UdpAndRetransmits();
  std::map<std::string, PortRates> rates;
  PortRates& r = rates["53"];
  r.udp_received_datagrams = 500.5f;
  r.udp_received_bytes = 32000;
  r.udp_sent_datagrams = 495;
  r.udp_sent_bytes = 49500;
  r.udp_drops[SE_UDP_DROP_RCVBUF] = 4;
  r.udp_drops[SE_UDP_DROP_CHECKSUM] = 0.5f;
  r.udp_no_socket = 1.5f;
  const json j = json::parse(PortsJson(1, BuildPortViews(k, UdpTables(), {}, rates), k, 0));
  const json& p = PortEntry(j, "53");
  EXPECT_EQ(p["protocols"], (json{"udp"}));
  EXPECT_EQ(
      p["udp"],
      (json{{"received_datagrams", 1001},
            {"received_bytes", 64000},
            {"sent_datagrams", 990},
            {"sent_bytes", 99000},
            {"drops", {{"receive_buffer", 8}, {"memory", 0}, {"checksum", 2}, {"other", 0}}},
            {"no_socket", 3},
            {"bound", true},
            {"receive_queue_bytes", 3072},  // both sockets of the label
            {"receive_queue_limit_bytes", 425984},
            {"rates",
             {{"received_datagrams", 500.5},
              {"received_bytes", 32000},
              {"sent_datagrams", 495},
              {"sent_bytes", 49500},
              {"drops", {{"receive_buffer", 4}, {"memory", 0}, {"checksum", 0.5}, {"other", 0}}},
              {"no_socket", 1.5}}}}));
  EXPECT_TRUE(p["udp"]["received_datagrams"].is_number_unsigned());
  // The most active label first: datagrams and drops count as activity.
  EXPECT_EQ(j["ports"][0]["port"], "53");
}

TEST(PortsJsonTest, RetransmissionsAreTotalsRatesAndTheRatioOfTheInterval) {
  const KernelSnapshot k = UdpAndRetransmits();
  std::map<std::string, PortRates> rates;
  rates["80"].retransmitted_segments = 1.5f;
  rates["80"].sent_segments = 450;
  const json j = json::parse(PortsJson(1, BuildPortViews(k, UdpTables(), {}, rates), k, 0));
  const json& p = PortEntry(j, "80");
  EXPECT_EQ(p["retransmitted_segments"], 15);
  EXPECT_EQ(p["sent_segments"], 1500);
  EXPECT_EQ(p["rates"]["retransmitted_segments"], 1.5);
  EXPECT_EQ(p["rates"]["sent_segments"], 450);
  EXPECT_EQ(p["retransmit_ratio"], 0.003333);
  EXPECT_EQ(p["udp"]["bound"], false);
  EXPECT_EQ(p["udp"]["received_datagrams"], 0);
  // No segments sent in the interval: no ratio, rather than 0.
  EXPECT_TRUE(PortEntry(j, "53")["retransmit_ratio"].is_null());
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
  EXPECT_EQ(j["ports"]["80"].size(), 14u);
}

TEST(HistoryJsonTest, RetransmissionAndUdpSeriesWithDropsSummedOverReasons) {
  RateHistory h;
  LabelledCounters c{"53", Zero()};
  h.Record(0, 2, {c});
  c.counters.retransmits[SE_DIR_OUTBOUND] = 1;
  c.counters.data_segments_at_retransmit[SE_DIR_OUTBOUND] = 10;
  c.counters.udp_received_datagrams[SE_DIR_INBOUND] = 7;
  c.counters.udp_received_bytes[SE_DIR_INBOUND] = 700;
  c.counters.udp_sent_datagrams[SE_DIR_OUTBOUND] = 3;
  c.counters.udp_sent_bytes[SE_DIR_OUTBOUND] = 30;
  c.counters.udp_drops[SE_UDP_DROP_RCVBUF] = 2;
  c.counters.udp_drops[SE_UDP_DROP_OTHER] = 1;
  c.counters.udp_no_socket = 4;
  h.Record(2, 2, {c});
  const json p = json::parse(HistoryJson(h.Get()))["ports"]["53"];
  EXPECT_EQ(p["retransmitted_segments"], (json{0.5}));
  EXPECT_EQ(p["sent_segments"], (json{5}));
  EXPECT_EQ(p["udp_received_datagrams"], (json{3.5}));
  EXPECT_EQ(p["udp_received_bytes"], (json{350}));
  EXPECT_EQ(p["udp_sent_datagrams"], (json{1.5}));
  EXPECT_EQ(p["udp_sent_bytes"], (json{15}));
  EXPECT_EQ(p["udp_drops"], (json{1.5}));
  EXPECT_EQ(p["udp_no_socket"], (json{2}));
}

}  // namespace
}  // namespace se
