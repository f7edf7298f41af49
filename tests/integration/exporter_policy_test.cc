// Connection policy from --config.file: denied sources and destinations, allowed egress ports
// and allowed listening ports, each finding counted per rule and port, logged (rate-limited)
// and written to --events.file. The exporter watches the server namespace (ns_); the client
// namespace has a second address, 10.200.0.66, that no rule names.
#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/traffic.h"
#include "harness/veth_test.h"

namespace se::test {
namespace {

using std::chrono::seconds;

constexpr char kFindings[] = "socket_suspicious_connections_total";
constexpr char kOther[] = "10.200.0.66";

Labels Rule(const std::string& rule, uint16_t port) {
  return {{"port", std::to_string(port)}, {"rule", rule}};
}

size_t CountOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class ExporterPolicyTest : public VethExporterTest {
 protected:
  void SetUp() override {
    VethExporterTest::SetUp();
    client_.Ip({"addr", "add", std::string(kOther) + "/24", "dev", "se0"});
  }
  ::testing::AssertionResult StartWithConfig(const std::string& yaml,
                                             std::vector<std::string> extra = {}) {
    config_ = MakeTempFile("se-policy");
    WriteConfig(yaml);
    extra.push_back("--config.file=" + config_);
    return StartExporter(extra);
  }
  void WriteConfig(const std::string& yaml) { std::ofstream(config_) << yaml; }
  // `count` connects from ns to ep, all expected to connect.
  static void Connect(const Netns& ns, const Endpoint& ep, int count, std::string source = "") {
    std::map<int, int> outcomes;
    ns.RunIn([&] { outcomes = ConnectMany(ep, count, {.source = std::move(source)}, seconds(5)); });
    EXPECT_EQ(outcomes, (std::map<int, int>{{0, count}})) << ep.host << ":" << ep.port;
  }
  std::string config_;
  std::vector<UniqueFd> listeners_;
};

TEST_F(ExporterPolicyTest, DeniedSourceIsFoundPerAcceptAndItsLogLinesAreRateLimited) {
  const std::string events = MakeTempFile("se-events");
  ASSERT_TRUE(
      StartWithConfig("policy:\n  denied_sources: [\"10.200.0.2/32\"]\n"
                      "event_log:\n  burst: 2\n  interval: 1h\n",
                      {"--events.file=" + events, "--log.format=json"}));
  constexpr uint16_t kPort = 8443;
  ns_.RunIn([&] { listeners_.push_back(ListenTcp({VethLink::kServer4, kPort}, 64)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));          // a tick sees its owner
  Connect(client_, {VethLink::kServer4, kPort}, 3, kOther);              // allowed source
  Connect(client_, {VethLink::kServer4, kPort}, 5, VethLink::kClient4);  // denied source

  const ExpectedValues want = {{"socket_tcp_accepts_total", PortLabels(kPort), 8},
                               {kFindings, Rule("denied_source", kPort), 5},
                               {"socket_exporter_event_log_suppressed_total", {}, 3}};
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kFindings), 5) << m.Dump(kFindings);
  // Two lines got through the limit, in the log and in the events file alike.
  const std::string log = exporter_->Stderr();
  EXPECT_EQ(CountOf(log, "\"rule\":\"denied_source\""), 2u) << log;
  EXPECT_EQ(CountOf(log, "\"src\":\"10.200.0.2\""), 2u) << log;
  std::ifstream in(events);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2u);
  for (const std::string& line : lines) {
    EXPECT_NE(line.find("\"rule\":\"denied_source\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"src\":\"10.200.0.2\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"dst\":\"10.200.0.1\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"dst_port\":8443"), std::string::npos) << line;
    EXPECT_NE(line.find("\"process\":\"integration_tes\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"time\":\"20"), std::string::npos) << line;
  }
}

// IPv6 sources, and IPv4 clients of a dual-stack listener (::ffff:a.b.c.d to the kernel), are
// matched against the networks of their own family and logged in their own form.
TEST_F(ExporterPolicyTest, DeniedSourcesMatchIpv6AndV4MappedPeersOfADualStackListener) {
  ASSERT_TRUE(
      StartWithConfig("policy:\n  denied_sources: [\"fd00:200::2/128\", \"10.200.0.2/32\"]\n"));
  constexpr uint16_t kPort = 8443;
  ns_.RunIn([&] { listeners_.push_back(ListenTcp({"::", kPort}, 64)); });  // dual stack
  Connect(client_, {VethLink::kServer6, kPort}, 2);                        // denied, IPv6
  Connect(client_, {VethLink::kServer4, kPort}, 3);                        // denied, v4-mapped
  Connect(client_, {VethLink::kServer4, kPort}, 4, kOther);                // allowed
  const ExpectedValues want = {{"socket_tcp_accepts_total", PortLabels(kPort), 9},
                               {kFindings, Rule("denied_source", kPort), 5}};
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  const std::string log = exporter_->Stderr();
  EXPECT_NE(log.find("src=fd00:200::2 "), std::string::npos) << log;
  EXPECT_NE(log.find("src=10.200.0.2 "), std::string::npos) << log;
  EXPECT_EQ(log.find("::ffff:"), std::string::npos) << log;
  EXPECT_EQ(log.find("10.200.0.66"), std::string::npos) << log;
}

TEST_F(ExporterPolicyTest, OutboundConnectsToDeniedNetworksAndUnlistedPortsAreFound) {
  ASSERT_TRUE(
      StartWithConfig("policy:\n  denied_destinations: [\"10.200.0.2\"]\n"
                      "  allowed_egress_ports: [443, \"8000-8099\"]\n"));
  client_.RunIn([&] {
    listeners_.push_back(ListenTcp({VethLink::kClient4, 443}, 16));
    listeners_.push_back(ListenTcp({kOther, 8080}, 16));
    listeners_.push_back(ListenTcp({kOther, 9090}, 16));
  });
  Connect(ns_, {VethLink::kClient4, 443}, 2);  // denied destination, allowed port
  Connect(ns_, {kOther, 8080}, 3);             // neither
  Connect(ns_, {kOther, 9090}, 4);             // port not allowed

  const ExpectedValues want = {{kFindings, Rule("denied_destination", 443), 2},
                               {kFindings, Rule("unexpected_egress", 9090), 4},
                               {"socket_tcp_connects_total", PortLabels(8080), 3}};
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kFindings), 6) << m.Dump(kFindings);
  // The connecting process is named (its command, as the kernel truncates it).
  const std::string log = exporter_->Stderr();
  EXPECT_NE(log.find("rule=unexpected_egress"), std::string::npos) << log;
  EXPECT_NE(log.find("dst=10.200.0.66 dst_port=9090 process=integration_tes"), std::string::npos)
      << log;
}

// Each listening socket on a port not allowed counts once: found by sock_diag if it predates
// the exporter (or is UDP), reported by the kernel at listen() otherwise — also when it lives
// far less than the 1 s detector tick — and never counted by both.
TEST_F(ExporterPolicyTest, ListenersOnPortsNotAllowedAreFoundOnceEach) {
  ns_.RunIn([&] {
    listeners_.push_back(ListenTcp({VethLink::kServer4, 8080}, 16));  // allowed
    listeners_.push_back(ListenTcp({VethLink::kServer4, 9999}, 16));  // before the start
  });
  ASSERT_TRUE(StartWithConfig("policy:\n  allowed_listen_ports: [22, \"8000-8100\"]\n"));
  ns_.RunIn([&] {
    listeners_.push_back(BindUdp({VethLink::kServer4, 9998}));        // UDP, after the start
    listeners_.push_back(ListenTcp({VethLink::kServer4, 9996}, 16));  // TCP, after the start
    for (int i = 0; i < 3; ++i) {  // three short-lived listeners, 20 ms each
      UniqueFd brief = ListenTcp({VethLink::kServer4, 9997}, 16);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const ExpectedValues want = {{kFindings, Rule("unexpected_listener", 9999), 1},
                               {kFindings, Rule("unexpected_listener", 9996), 1},
                               {kFindings, Rule("unexpected_listener", 9997), 3}};
  exporter_->ScrapeUntil(Reached(want));
  std::this_thread::sleep_for(seconds(2));  // two more ticks find nothing new
  const ParsedMetrics later = exporter_->Scrape();
  ExpectValues(later, want);
  EXPECT_EQ(later.Sum(kFindings, {{"rule", "unexpected_listener"}}), 6) << later.Dump(kFindings);
  EXPECT_EQ(later.Sum(kFindings), 6);
  const std::string log = exporter_->Stderr();
  for (const char* port : {"9999", "9998", "9997", "9996"}) {
    EXPECT_NE(log.find(std::string("dst_port=") + port + " process=integration_tes"),
              std::string::npos)
        << port << "\n"
        << log;
  }
  EXPECT_EQ(log.find("dst_port=8080"), std::string::npos) << log;
}

TEST_F(ExporterPolicyTest, WithoutAPolicyNothingIsFound) {
  ASSERT_TRUE(StartExporter());
  ns_.RunIn([&] { listeners_.push_back(ListenTcp({VethLink::kServer4, 9999}, 16)); });
  client_.RunIn([&] { listeners_.push_back(ListenTcp({VethLink::kClient4, 9090}, 16)); });
  Connect(client_, {VethLink::kServer4, 9999}, 2);
  Connect(ns_, {VethLink::kClient4, 9090}, 2);
  const ExpectedValues want = {{"socket_tcp_accepts_total", PortLabels(9999), 2},
                               {"socket_tcp_connects_total", PortLabels(9090), 2}};
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
  std::this_thread::sleep_for(seconds(1));
  EXPECT_FALSE(exporter_->Scrape().Has(kFindings));
}

TEST_F(ExporterPolicyTest, SighupAppliesAGoodConfigAndKeepsTheOldOneOnABadOne) {
  ASSERT_TRUE(StartWithConfig("policy:\n  allowed_egress_ports: [443]\n"));
  client_.RunIn([&] {
    listeners_.push_back(ListenTcp({kOther, 8080}, 16));
    listeners_.push_back(ListenTcp({kOther, 9090}, 16));
  });
  Connect(ns_, {kOther, 8080}, 1);
  ExpectedValues want = {{kFindings, Rule("unexpected_egress", 8080), 1}};
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);

  WriteConfig("policy:\n  allowed_egress_ports: [443, 8080]\n");
  ASSERT_EQ(kill(exporter_->pid(), SIGHUP), 0);
  exporter_->ScrapeUntil([&](const ParsedMetrics&) {
    return exporter_->Stderr().find("configuration reloaded") != std::string::npos;
  });
  Connect(ns_, {kOther, 8080}, 1);  // allowed now

  WriteConfig("policy:\n  allowed_egress_ports: [70000]\n");
  ASSERT_EQ(kill(exporter_->pid(), SIGHUP), 0);
  const ParsedMetrics failed = exporter_->ScrapeUntil([](const ParsedMetrics& m) {
    return m.Value("socket_exporter_config_last_reload_successful", {}) == 0;
  });
  EXPECT_EQ(failed.Value("socket_exporter_config_last_reload_successful", {}), 0);
  const std::string log = exporter_->Stderr();
  EXPECT_NE(log.find("configuration reload failed"), std::string::npos) << log;
  EXPECT_NE(log.find("70000"), std::string::npos) << log;
  Connect(ns_, {kOther, 8080}, 1);  // still allowed: the good config stays in force
  Connect(ns_, {kOther, 9090}, 1);  // still not allowed
  want = {{kFindings, Rule("unexpected_egress", 8080), 1},
          {kFindings, Rule("unexpected_egress", 9090), 1},
          {"socket_tcp_connects_total", PortLabels(8080), 3}};
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kFindings), 2) << m.Dump(kFindings);
  EXPECT_TRUE(exporter_->Running());
}

}  // namespace
}  // namespace se::test
