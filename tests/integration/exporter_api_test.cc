// The JSON API of the live view: /api/v1/ports shows exactly the totals and gauges a scrape of
// the same moment shows, /api/v1/history the rates of the traffic, /api/v1/findings the newest
// findings within its bound; unknown paths are 404 and HEAD has no body.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/http_client.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr uint16_t kServed = 7801, kClosed = 7802;

class ExporterApiTest : public NamespacedExporterTest {
 protected:
  json Get(const std::string& path) const {
    const HttpResponse r = exporter_->Get(path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.error << r.body;
    EXPECT_NE(r.headers.find("application/json"), std::string::npos) << r.headers;
    return json::parse(r.body, nullptr, false);
  }
  // kConnections served with payload both ways, three refused connects, two left open.
  void RunTraffic(int connections, std::vector<UniqueFd>* held, UniqueFd* listener) {
    ns_.RunIn([&] { *listener = ListenTcp({kLoopback4, kServed}, 64); });
    TcpServer server(listener->get(), connections, 300, CloseMode::kGraceful);
    ClientStats clients;
    std::map<int, int> refused;
    ns_.RunIn([&] {
      clients = RunClients({kLoopback4, kServed}, connections, 100);
      refused = ConnectMany({kLoopback4, kClosed}, 3, {}, seconds(5));
    });
    ASSERT_EQ(clients.connected, connections);
    ASSERT_EQ(server.Join().served, connections);
    ASSERT_EQ(refused, (std::map<int, int>{{ECONNREFUSED, 3}}));
    ns_.RunIn([&] { *held = OpenConnections({kLoopback4, kServed}, 2); });
  }
};

const json* PortOf(const json& ports, const std::string& port) {
  for (const json& p : ports["ports"])
    if (p["port"] == port) return &p;
  return nullptr;
}

// Every total and gauge of one port label against the scrape, summed over the labels the JSON
// folds (direction, reason).
void ExpectSameAsScrape(const json& p, const ParsedMetrics& m) {
  const std::string port = p["port"];
  const Labels l = {{"port", port}};
  EXPECT_EQ(p["connects"], m.Sum("socket_tcp_connects_total", l)) << port;
  EXPECT_EQ(p["accepts"], m.Sum("socket_tcp_accepts_total", l)) << port;
  for (const char* reason : {"refused", "timeout", "unreachable", "other"})
    EXPECT_EQ(p["connect_failures"][reason],
              m.Sum("socket_tcp_connect_failures_total", {{"port", port}, {"reason", reason}}))
        << port << " " << reason;
  EXPECT_EQ(p["resets_sent"], m.Sum("socket_tcp_resets_sent_total", l)) << port;
  EXPECT_EQ(p["resets_received"], m.Sum("socket_tcp_resets_received_total", l)) << port;
  EXPECT_EQ(p["syns_received"], m.Sum("socket_tcp_syns_received_total", l)) << port;
  EXPECT_EQ(p["synack_retransmits"], m.Sum("socket_tcp_synack_retransmits_total", l)) << port;
  EXPECT_EQ(p["listen_drops"], m.Sum("socket_tcp_listen_drops_total", l)) << port;
  EXPECT_EQ(p["sent_bytes"], m.Sum("socket_tcp_sent_bytes_total", l)) << port;
  EXPECT_EQ(p["received_bytes"], m.Sum("socket_tcp_received_bytes_total", l)) << port;
  for (const char* dir : {"inbound", "outbound"})
    EXPECT_EQ(p["established"][dir],
              m.Sum("socket_tcp_established", {{"port", port}, {"direction", dir}}))
        << port << " " << dir;
  EXPECT_EQ(p["accept_queue_length"], m.Sum("socket_tcp_accept_queue_length", l)) << port;
  EXPECT_EQ(p["accept_queue_limit"], m.Sum("socket_tcp_accept_queue_limit", l)) << port;
  EXPECT_EQ(p["half_open"], m.Sum("socket_tcp_half_open", l)) << port;
}

TEST_F(ExporterApiTest, PortTotalsAreTheNumbersOfAScrapeOfTheSameMoment) {
  ASSERT_TRUE(StartExporter());
  constexpr int kConnections = 12;
  std::vector<UniqueFd> held;
  UniqueFd listener;
  ASSERT_NO_FATAL_FAILURE(RunTraffic(kConnections, &held, &listener));
  const ExpectedValues want = {
      {"socket_tcp_accepts_total", PortLabels(kServed), kConnections + 2},
      {"socket_tcp_established", PortLabels(kServed, {{"direction", "inbound"}}), 2},
      {"socket_tcp_connect_failures_total", PortLabels(kClosed, {{"reason", "refused"}}), 3}};
  exporter_->ScrapeUntil(Reached(want));
  // Nothing moves now: the held connections are idle, so both reads see the same state.
  const json ports = Get("/api/v1/ports");
  const ParsedMetrics m = exporter_->Scrape();
  ASSERT_FALSE(ports.is_discarded());
  const json* served = PortOf(ports, std::to_string(kServed));
  ASSERT_NE(served, nullptr) << ports.dump(2);
  EXPECT_EQ((*served)["accepts"], kConnections + 2);
  EXPECT_EQ((*served)["established"]["inbound"], 2);
  // Client and server share the namespace: the port counts both sides' received payload.
  EXPECT_EQ((*served)["received_bytes"], kConnections * (100 + 300));
  EXPECT_EQ((*served)["accept_queue_limit"], 64);
  const json* closed = PortOf(ports, std::to_string(kClosed));
  ASSERT_NE(closed, nullptr) << ports.dump(2);
  EXPECT_EQ((*closed)["connect_failures"]["refused"], 3);
  for (const json& p : ports["ports"]) ExpectSameAsScrape(p, m);
  // Every port label the scrape has is in the API too.
  for (const std::string& port : m.LabelValues("socket_tcp_accepts_total", "port"))
    EXPECT_NE(PortOf(ports, port), nullptr) << port;
  for (const std::string& port : m.LabelValues("socket_tcp_connects_total", "port"))
    EXPECT_NE(PortOf(ports, port), nullptr) << port;
  EXPECT_EQ(ports["events_lost"], 0);
  EXPECT_EQ(ports["probes"].size(), m.Matching("socket_exporter_probe_attached").size());
}

TEST_F(ExporterApiTest, HistoryHoldsTheRatesOfTheTrafficWithinItsBound) {
  ASSERT_TRUE(StartExporter());
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({kLoopback4, kServed}, 64); });
  // Connections spread over 5 s: every 2 s history sample sees some.
  constexpr int kBatches = 5, kPerBatch = 20;
  TcpServer server(listener.get(), kBatches * kPerBatch, 0, CloseMode::kGraceful);
  for (int b = 0; b < kBatches; ++b) {
    ns_.RunIn([&] { RunClients({kLoopback4, kServed}, kPerBatch, 10); });
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  }
  ASSERT_EQ(server.Join().served, kBatches * kPerBatch);
  const json history = Get("/api/v1/history");
  ASSERT_FALSE(history.is_discarded());
  EXPECT_EQ(history["interval_seconds"], 2.0);
  EXPECT_EQ(history["capacity"], 300);
  const size_t samples = history["times"].size();
  EXPECT_GE(samples, 1u);
  EXPECT_LE(samples, 300u);
  const json& port = history["ports"][std::to_string(kServed)];
  ASSERT_TRUE(port.is_object()) << history.dump();
  double seen = 0;
  for (const char* series : {"connects", "accepts", "connect_failures", "resets_sent",
                             "resets_received", "syns_received"}) {
    ASSERT_EQ(port[series].size(), samples) << series;
  }
  for (const json& r : port["accepts"]) seen += r.get<double>() * 2.0;
  // The samples cover part of the 100 accepts; each is a rate over 2 s, never above the total.
  EXPECT_GT(seen, 0);
  EXPECT_LE(seen, kBatches * kPerBatch + 0.5);
  const json ports = Get("/api/v1/ports");
  EXPECT_EQ(PortOf(ports, std::to_string(kServed))->at("accepts"), kBatches * kPerBatch);
}

TEST_F(ExporterApiTest, FindingsAreNewestFirstAndAtMostOneHundred) {
  const std::string config = MakeTempFile("se-api-config");
  std::ofstream(config) << "policy:\n  allowed_listen_ports: [22]\n"
                        << "event_log:\n  burst: 1000\n  max_lines_per_second: 100000\n";
  ASSERT_TRUE(StartExporter({"--config.file=" + config}));
  constexpr int kListeners = 120;  // each an unexpected_listener finding with its own key
  std::vector<UniqueFd> listeners;
  ns_.RunIn([&] {
    for (int i = 0; i < kListeners; ++i) listeners.push_back(ListenTcp({kLoopback4, 0}, 4));
  });
  const Labels rule = {{"rule", "unexpected_listener"}};
  const ParsedMetrics m = exporter_->ScrapeUntil([&](const ParsedMetrics& s) {
    return s.Sum("socket_suspicious_connections_total", rule) >= kListeners;
  });
  EXPECT_EQ(m.Sum("socket_suspicious_connections_total", rule), kListeners);
  const json findings = Get("/api/v1/findings")["findings"];
  ASSERT_EQ(findings.size(), 100u);
  for (size_t i = 0; i < findings.size(); ++i) {
    EXPECT_EQ(findings[i]["rule"], "unexpected_listener");
    if (i > 0) {
      EXPECT_GE(findings[i - 1]["time"], findings[i]["time"]) << i;
    }
  }
  // The newest finding is one of the last listeners opened.
  const uint16_t newest = findings[0]["dst_port"];
  bool recent = false;
  for (int i = kListeners - 10; i < kListeners; ++i) {
    recent |= LocalPort(listeners[i].get()) == newest;
  }
  EXPECT_TRUE(recent) << newest;
}

TEST_F(ExporterApiTest, UnknownPathsAreNotFoundAndHeadAnswersWithoutABody) {
  ASSERT_TRUE(StartExporter());
  for (const char* path : {"/api/v1/nope", "/api/v2/ports", "/api/", "/api/v1/ports/x"})
    EXPECT_EQ(exporter_->Get(path).status, 404) << path;
  const HttpResponse head = Request(exporter_->port(), "HEAD", "/api/v1/ports");
  EXPECT_EQ(head.status, 200) << head.error;
  EXPECT_NE(head.headers.find("Content-Length: "), std::string::npos) << head.headers;
  EXPECT_EQ(head.headers.find("Content-Length: 0"), std::string::npos) << head.headers;
  EXPECT_TRUE(head.body.empty());
  EXPECT_NE(head.headers.find("Cache-Control: no-store"), std::string::npos) << head.headers;
}

}  // namespace
}  // namespace se::test
