// Port folding: bounded port label values, "other" for untracked ports, and exact sums.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <string>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using std::chrono::seconds;

constexpr char kOther[] = "other";

struct PortRange {
  uint16_t low = 0;
  uint16_t high = 0;
  uint16_t Middle() const { return static_cast<uint16_t>(low + (high - low) / 2); }
};

PortRange EphemeralRange(const Netns& ns) {
  PortRange range;
  ns.RunIn([&] {
    unsigned low = 0, high = 0;
    const std::string text = ReadFile("/proc/sys/net/ipv4/ip_local_port_range");
    if (std::sscanf(text.c_str(), "%u %u", &low, &high) == 2)
      range = {uint16_t(low), uint16_t(high)};
  });
  return range;
}

void RunExchanges(const Netns& ns, const UniqueFd& listener, uint16_t port, int count) {
  TcpServer server(listener.get(), count, 0, CloseMode::kGraceful);
  ClientStats clients;
  ns.RunIn([&] { clients = RunClients({kLoopback4, port}, count, 10); });
  ASSERT_EQ(server.Join().served, count);
  ASSERT_EQ(clients.connected, count);
}

// From 127.0.0.2: a connect from 127.0.0.1 to a closed port inside the ephemeral range can pick
// that very port as its source and connect to itself (TCP simultaneous open).
void RefuseConnects(const Netns& ns, uint16_t port, int count) {
  std::map<int, int> outcomes;
  ConnectOptions other_source;
  other_source.source = "127.0.0.2";
  ns.RunIn([&] { outcomes = ConnectMany({kLoopback4, port}, count, other_source, seconds(5)); });
  ASSERT_EQ(outcomes, (std::map<int, int>{{ECONNREFUSED, count}}));
}

// Every numeric port label of `name` (within `partial`) carries exactly its port's true value,
// there are at most max_ports of them, and with "other" they sum to the true total.
void ExpectFolded(const ParsedMetrics& m, const std::string& name, const Labels& partial,
                  const std::map<uint16_t, double>& truth, size_t max_ports) {
  SCOPED_TRACE(name + FormatLabels(partial) + "\n" + m.Dump(name));
  double total = 0;
  for (const auto& [port, value] : truth) total += value;
  size_t numeric = 0;
  for (const auto& label : m.LabelValues(name, "port", partial)) {
    if (label == kOther) continue;
    ++numeric;
    const auto it = truth.find(static_cast<uint16_t>(std::stoul(label)));
    ASSERT_NE(it, truth.end()) << "port label " << label << " had no traffic";
    Labels labels = partial;
    labels["port"] = label;
    EXPECT_EQ(m.Sum(name, labels), it->second) << "port " << label;
  }
  EXPECT_LE(numeric, max_ports);
  EXPECT_TRUE(m.Has(name, [&] {
    Labels l = partial;
    l["port"] = kOther;
    return l;
  }()));
  EXPECT_EQ(m.Sum(name, partial), total);
}

class ExporterFoldingTest : public NamespacedExporterTest {};

TEST_F(ExporterFoldingTest, MorePortsThanPortsMaxFoldIntoOtherWithExactTotals) {
  constexpr size_t kMaxPorts = 3;
  ASSERT_TRUE(StartExporter({"--ports.max=" + std::to_string(kMaxPorts)}));
  std::map<uint16_t, double> connections;
  for (int i = 1; i <= 6; ++i) {
    const uint16_t port = static_cast<uint16_t>(7100 + i);
    UniqueFd listener;
    ns_.RunIn([&] { listener = ListenTcp({kLoopback4, port}, 16); });
    RunExchanges(ns_, listener, port, i);
    connections[port] = i;
  }
  std::map<uint16_t, double> bytes;
  for (const auto& [port, n] : connections) bytes[port] = 10 * n;

  const ParsedMetrics m = exporter_->ScrapeUntil([&](const ParsedMetrics& s) {
    return s.Sum("socket_tcp_connection_duration_seconds_count") == 2 * 21;
  });
  ExpectFolded(m, "socket_tcp_accepts_total", {}, connections, kMaxPorts);
  ExpectFolded(m, "socket_tcp_connects_total", {}, connections, kMaxPorts);
  ExpectFolded(m, "socket_tcp_connect_duration_seconds_count", {}, connections, kMaxPorts);
  for (const char* dir : {"inbound", "outbound"}) {
    ExpectFolded(m, "socket_tcp_connection_duration_seconds_count", {{"direction", dir}},
                 connections, kMaxPorts);
  }
  ExpectFolded(m, "socket_tcp_sent_bytes_total", {{"direction", "outbound"}}, bytes, kMaxPorts);
  ExpectFolded(m, "socket_tcp_received_bytes_total", {{"direction", "inbound"}}, bytes, kMaxPorts);
}

TEST_F(ExporterFoldingTest, UntrackedEphemeralRemotePortsFoldIntoOther) {
  ASSERT_TRUE(StartExporter());
  const uint16_t port = EphemeralRange(ns_).Middle();
  ASSERT_NE(port, 0);
  RefuseConnects(ns_, port, 3);
  const Labels other = {{"port", kOther}};
  const ExpectedValues want = {
      {"socket_tcp_connects_total", other, 3},
      {"socket_tcp_connect_failures_total", {{"port", kOther}, {"reason", "refused"}}, 3},
      {"socket_tcp_resets_sent_total",
       {{"port", kOther}, {"direction", "inbound"}, {"reason", "no_socket"}},
       3},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  for (const auto& s : m.All()) {
    const auto it = s.labels.find("port");
    EXPECT_FALSE(it != s.labels.end() && it->second == std::to_string(port))
        << "ephemeral port got its own label: " << s.name << FormatLabels(s.labels);
  }
}

TEST_F(ExporterFoldingTest, PortsTrackedByFlagKeepTheirOwnLabelInsideTheEphemeralRange) {
  const uint16_t mid = EphemeralRange(ns_).Middle();
  ASSERT_NE(mid, 0);
  const uint16_t single = mid;
  const uint16_t range_low = mid + 10, in_range = mid + 11, range_high = mid + 12;
  const uint16_t untracked = mid + 13;
  ASSERT_TRUE(StartExporter({"--ports.track=" + std::to_string(single) + "," +
                             std::to_string(range_low) + "-" + std::to_string(range_high)}));
  RefuseConnects(ns_, single, 2);
  RefuseConnects(ns_, in_range, 3);
  RefuseConnects(ns_, untracked, 4);
  const ExpectedValues want = {
      {"socket_tcp_connects_total", PortLabels(single), 2},
      {"socket_tcp_connects_total", PortLabels(in_range), 3},
      {"socket_tcp_connects_total", {{"port", kOther}}, 4},
      {"socket_tcp_connect_failures_total", PortLabels(in_range, {{"reason", "refused"}}), 3},
  };
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
}

TEST_F(ExporterFoldingTest, ListeningPortsKeepTheirOwnLabelInsideTheEphemeralRange) {
  const uint16_t before = EphemeralRange(ns_).Middle() + 20;
  const uint16_t after = before + 1;
  UniqueFd early, late;
  ns_.RunIn([&] { early = ListenTcp({kLoopback4, before}, 16); });
  ASSERT_TRUE(StartExporter());
  ns_.RunIn([&] { late = ListenTcp({kLoopback4, after}, 16); });
  RunExchanges(ns_, early, before, 2);
  RunExchanges(ns_, late, after, 3);
  const ExpectedValues want = {
      {"socket_tcp_accepts_total", PortLabels(before), 2},
      {"socket_tcp_connects_total", PortLabels(before), 2},
      {"socket_tcp_accepts_total", PortLabels(after), 3},
      {"socket_tcp_connects_total", PortLabels(after), 3},
      {"socket_tcp_accepts_total", {{"port", kOther}}, 0},
  };
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
}

TEST_F(ExporterFoldingTest, ExportersOwnListeningPortKeepsItsOwnLabel) {
  // In its own namespace, the exporter's HTTP listener is a listener in scope like any other.
  exporter_ = std::make_unique<ExporterProcess>(std::vector<std::string>{}, &ns_);
  ASSERT_TRUE(exporter_->Start());
  for (int i = 0; i < 3; ++i) exporter_->Scrape();
  const Labels own = PortLabels(exporter_->port());
  const ParsedMetrics m = exporter_->ScrapeUntil(
      [&](const ParsedMetrics& s) { return s.ValueOrZero("socket_tcp_accepts_total", own) >= 3; });
  EXPECT_GE(m.ValueOrZero("socket_tcp_accepts_total", own), 3)
      << m.Dump("socket_tcp_accepts_total");
  EXPECT_FALSE(m.Has("socket_tcp_accepts_total", {{"port", kOther}}))
      << m.Dump("socket_tcp_accepts_total");
}

}  // namespace
}  // namespace se::test
