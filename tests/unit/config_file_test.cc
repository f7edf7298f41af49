#include "config/config_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace se {
namespace {

bool SameSynFlood(const SynFloodConfig& a, const SynFloodConfig& b) {
  return a.tick == b.tick && a.min_syn_rate == b.min_syn_rate &&
         a.max_completion_ratio == b.max_completion_ratio &&
         a.min_listen_drop_rate == b.min_listen_drop_rate && a.half_open_fill == b.half_open_fill &&
         a.activate_ticks == b.activate_ticks && a.clear_ticks == b.clear_ticks &&
         a.top_sources == b.top_sources;
}

struct GoodCase {
  const char* text;
  SynFloodConfig want;
};

SynFloodConfig With(void (*edit)(SynFloodConfig*)) {
  SynFloodConfig c;
  edit(&c);
  return c;
}

TEST(ConfigFileTest, AcceptsValidDocuments) {
  const std::vector<GoodCase> cases = {
      {"", SynFloodConfig{}},
      {"\n\n", SynFloodConfig{}},
      {"# only a comment\n  # and another\n", SynFloodConfig{}},
      {"syn_flood:\n", SynFloodConfig{}},
      {"syn_flood: {}\n", SynFloodConfig{}},
      {"syn_flood:\n"
       "  tick: 2.5s\n"
       "  min_syn_rate: 1000\n"
       "  max_completion_ratio: 0.25\n"
       "  min_listen_drop_rate: 0\n"
       "  half_open_fill: 1\n"
       "  activate_ticks: 3\n"
       "  clear_ticks: 10\n"
       "  top_sources: 0\n",
       With([](SynFloodConfig* c) {
         c->tick = std::chrono::milliseconds(2500);
         c->min_syn_rate = 1000;
         c->max_completion_ratio = 0.25;
         c->min_listen_drop_rate = 0;
         c->half_open_fill = 1;
         c->activate_ticks = 3;
         c->clear_ticks = 10;
         c->top_sources = 0;
       })},
      {"syn_flood: {tick: 500ms}",
       With([](SynFloodConfig* c) { c->tick = std::chrono::milliseconds(500); })},
      {"syn_flood: {tick: 100ms}",
       With([](SynFloodConfig* c) { c->tick = std::chrono::milliseconds(100); })},
      {"syn_flood: {tick: 60s}",
       With([](SynFloodConfig* c) { c->tick = std::chrono::milliseconds(60000); })},
      {"syn_flood: {tick: 1m}",
       With([](SynFloodConfig* c) { c->tick = std::chrono::milliseconds(60000); })},
      {"syn_flood: {tick: 0.5m}",
       With([](SynFloodConfig* c) { c->tick = std::chrono::milliseconds(30000); })},
      {"syn_flood: {tick: \"0.1s\"}",
       With([](SynFloodConfig* c) { c->tick = std::chrono::milliseconds(100); })},
      {"syn_flood: {min_syn_rate: 0.5, max_completion_ratio: 1e-3}", With([](SynFloodConfig* c) {
         c->min_syn_rate = 0.5;
         c->max_completion_ratio = 0.001;
       })},
      {"syn_flood: {activate_ticks: 60, clear_ticks: 600, top_sources: 50}",
       With([](SynFloodConfig* c) {
         c->activate_ticks = 60;
         c->clear_ticks = 600;
         c->top_sources = 50;
       })},
      {"syn_flood: {activate_ticks: 1, clear_ticks: 1}",
       With([](SynFloodConfig* c) { c->clear_ticks = 1; })},
  };
  for (const auto& c : cases) {
    Config config;
    std::string error;
    EXPECT_TRUE(ParseConfig(c.text, &config, &error)) << c.text << " -> " << error;
    EXPECT_TRUE(SameSynFlood(config.syn_flood, c.want)) << c.text;
  }
}

struct BadCase {
  const char* text;
  const char* error_part;
};

TEST(ConfigFileTest, RejectsBadDocumentsWithOneLineErrors) {
  const std::string ratio = "expected a number greater than 0 and at most 1";
  const std::vector<BadCase> cases = {
      // Shape and keys.
      {"- a\n- b\n",
       "top level: a list is not a map; expected a map with keys syn_flood, port_scan, "
       "event_log, policy"},
      {"hello\n", "top level: hello is not a map"},
      {"syn_flod: {}\n",
       "unknown key \"syn_flod\" in the top level; valid keys: syn_flood, port_scan, event_log, "
       "policy"},
      {"syn_flood: {}\nsyn_flood: {}\n", "duplicate key \"syn_flood\" in the top level"},
      {"syn_flood: {tik: 1s}\n",
       "unknown key \"tik\" in syn_flood; valid keys: tick, min_syn_rate, max_completion_ratio, "
       "min_listen_drop_rate, half_open_fill, activate_ticks, clear_ticks, top_sources"},
      {"syn_flood: [1, 2]\n", "syn_flood: a list is not a map; expected a map"},
      {"syn_flood: 5\n", "syn_flood: 5 is not a map"},
      {"syn_flood: {tick: 1s, tick: 2s}\n", "duplicate key \"tick\" in syn_flood"},
      // Wrong types.
      {"syn_flood: {min_syn_rate: abc}\n",
       "syn_flood.min_syn_rate: abc is not a number; expected a number greater than 0"},
      {"syn_flood: {min_syn_rate: \"200\"}\n", "syn_flood.min_syn_rate: \"200\" is not a number"},
      {"syn_flood: {min_syn_rate: [1]}\n", "syn_flood.min_syn_rate: a list is not a number"},
      {"syn_flood: {min_syn_rate: {a: 1}}\n", "syn_flood.min_syn_rate: a map is not a number"},
      {"syn_flood: {min_syn_rate: }\n", "syn_flood.min_syn_rate: an empty value is not a number"},
      {"syn_flood: {min_syn_rate: .inf}\n", "syn_flood.min_syn_rate: .inf is not a number"},
      {"syn_flood: {min_syn_rate: nan}\n", "syn_flood.min_syn_rate: nan is not a number"},
      {"syn_flood: {tick: [1s]}\n", "syn_flood.tick: a list is not a duration"},
      // Number ranges at each boundary.
      {"syn_flood: {min_syn_rate: 0}\n",
       "syn_flood.min_syn_rate: 0 is out of range; expected a number greater than 0"},
      {"syn_flood: {min_syn_rate: -5}\n", "syn_flood.min_syn_rate: -5 is out of range"},
      {"syn_flood: {max_completion_ratio: 1.5}\n",
       "syn_flood.max_completion_ratio: 1.5 is out of range; expected a number greater than 0 "
       "and at most 1"},
      {"syn_flood: {max_completion_ratio: 0}\n",
       "syn_flood.max_completion_ratio: 0 is out of range"},
      {"syn_flood: {? [a]: 1}\n", "unknown key a list in syn_flood; valid keys: tick,"},
      {"syn_flood: {half_open_fill: 1.01}\n", "syn_flood.half_open_fill: 1.01 is out of range"},
      {"syn_flood: {half_open_fill: 0.0}\n", "syn_flood.half_open_fill: 0.0 is out of range"},
      {"syn_flood: {min_listen_drop_rate: -0.1}\n",
       "syn_flood.min_listen_drop_rate: -0.1 is out of range; expected a number at least 0"},
      // Integers.
      {"syn_flood: {activate_ticks: 0}\n",
       "syn_flood.activate_ticks: 0 is out of range; expected an integer from 1 to 60"},
      {"syn_flood: {activate_ticks: 61}\n", "syn_flood.activate_ticks: 61 is out of range"},
      {"syn_flood: {clear_ticks: 0}\n", "syn_flood.clear_ticks: 0 is out of range"},
      {"syn_flood: {clear_ticks: 601}\n",
       "syn_flood.clear_ticks: 601 is out of range; expected an integer from 1 to 600"},
      {"syn_flood: {top_sources: -1}\n",
       "syn_flood.top_sources: -1 is out of range; expected an integer from 0 to 50"},
      {"syn_flood: {top_sources: 51}\n", "syn_flood.top_sources: 51 is out of range"},
      {"syn_flood: {top_sources: 99999999999999999999}\n", "is out of range"},
      {"syn_flood: {activate_ticks: 2.5}\n",
       "syn_flood.activate_ticks: 2.5 is not an integer; expected an integer from 1 to 60"},
      {"syn_flood: {clear_ticks: 5.0}\n", "syn_flood.clear_ticks: 5.0 is not an integer"},
      {"syn_flood: {top_sources: five}\n", "syn_flood.top_sources: five is not an integer"},
      {"syn_flood: {top_sources: '5'}\n", "syn_flood.top_sources: \"5\" is not an integer"},
      // Durations.
      {"syn_flood: {tick: 1}\n",
       "syn_flood.tick: 1 is not a duration; expected a duration from 100ms to 60s"},
      {"syn_flood: {tick: abc}\n", "syn_flood.tick: abc is not a duration"},
      {"syn_flood: {tick: -1s}\n", "syn_flood.tick: -1s is not a duration"},
      {"syn_flood: {tick: 2m}\n", "syn_flood.tick: 2m is out of range"},
      {"syn_flood: {tick: 1d}\n", "syn_flood.tick: 1d is not a duration"},
      {"syn_flood: {tick: 1 s}\n", "syn_flood.tick: 1 s is not a duration"},
      {"syn_flood: {tick: .5s}\n", "syn_flood.tick: .5s is not a duration"},
      {"syn_flood: {tick: 0ms}\n", "syn_flood.tick: 0ms is out of range"},
      {"syn_flood: {tick: 99ms}\n", "syn_flood.tick: 99ms is out of range"},
      {"syn_flood: {tick: 61s}\n",
       "syn_flood.tick: 61s is out of range; expected a duration from 100ms to 60s"},
      {"syn_flood: {tick: 60.001s}\n", "syn_flood.tick: 60.001s is out of range"},
      {"syn_flood: {tick: 100.5ms}\n", "syn_flood.tick: 100.5ms is not a whole number of ms"},
      // Syntax.
      {"syn_flood:\n  tick: [1s\n  clear_ticks: 3\n", "line 3, column "},
      {"syn_flood: {tick: 1s\n", "line 2, column 1: "},
      {"syn_flood:\n  tick: 1s\n clear_ticks: 2\n", "line 3, column "},
  };
  for (const auto& c : cases) {
    Config config;
    config.syn_flood.clear_ticks = 77;
    std::string error;
    EXPECT_FALSE(ParseConfig(c.text, &config, &error)) << c.text;
    EXPECT_NE(error.find(c.error_part), std::string::npos) << c.text << " -> " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_EQ(config.syn_flood.clear_ticks, 77u) << "output touched on error: " << c.text;
  }
}

bool SamePortScan(const PortScanConfig& a, const PortScanConfig& b) {
  return a.min_ports == b.min_ports && a.min_addresses == b.min_addresses && a.window == b.window &&
         a.max_sources == b.max_sources;
}

bool SameEventLog(const EventLogConfig& a, const EventLogConfig& b) {
  return a.burst == b.burst && a.interval == b.interval && a.max_keys == b.max_keys;
}

TEST(ConfigFileTest, PortScanAndEventLogDefaultWhenAbsentOrEmpty) {
  for (const char* text : {"", "port_scan:\nevent_log:\n", "port_scan: {}\nevent_log: {}\n"}) {
    Config config;
    std::string error;
    ASSERT_TRUE(ParseConfig(text, &config, &error)) << text << " -> " << error;
    EXPECT_EQ(config.port_scan.min_ports, 20u);
    EXPECT_EQ(config.port_scan.min_addresses, 20u);
    EXPECT_EQ(config.port_scan.window, std::chrono::milliseconds(10000));
    EXPECT_EQ(config.port_scan.max_sources, 4096u);
    EXPECT_EQ(config.event_log.burst, 5u);
    EXPECT_EQ(config.event_log.interval, std::chrono::milliseconds(10000));
    EXPECT_EQ(config.event_log.max_keys, 4096u);
  }
}

struct PortScanCase {
  const char* text;
  PortScanConfig want;
};

TEST(ConfigFileTest, PortScanAcceptsValuesUpToEachBound) {
  using std::chrono::milliseconds;
  const std::vector<PortScanCase> cases = {
      {"port_scan: {min_ports: 2, min_addresses: 2, window: 1s, max_sources: 16}",
       {2, 2, milliseconds(1000), 16}},
      {"port_scan: {min_ports: 1024, min_addresses: 1024, window: 10m, max_sources: 1048576}",
       {1024, 1024, milliseconds(600000), 1048576}},
      {"port_scan:\n  min_ports: 50\n  window: 2.5m\n", {50, 20, milliseconds(150000), 4096}},
      {"port_scan: {window: 1000ms}", {20, 20, milliseconds(1000), 4096}},
      {"port_scan: {window: 600s}", {20, 20, milliseconds(600000), 4096}},
      {"port_scan: {window: \"30s\"}", {20, 20, milliseconds(30000), 4096}},
  };
  for (const auto& c : cases) {
    Config config;
    std::string error;
    EXPECT_TRUE(ParseConfig(c.text, &config, &error)) << c.text << " -> " << error;
    EXPECT_TRUE(SamePortScan(config.port_scan, c.want)) << c.text;
  }
}

struct EventLogCase {
  const char* text;
  EventLogConfig want;
};

TEST(ConfigFileTest, EventLogAcceptsValuesUpToEachBound) {
  using std::chrono::milliseconds;
  const std::vector<EventLogCase> cases = {
      {"event_log: {burst: 1, interval: 100ms, max_keys: 16}", {1, milliseconds(100), 16}},
      {"event_log: {burst: 1000, interval: 1h, max_keys: 1048576}",
       {1000, milliseconds(3600000), 1048576}},
      {"event_log: {interval: 3600s}", {5, milliseconds(3600000), 4096}},
      {"event_log: {interval: 60m}", {5, milliseconds(3600000), 4096}},
      {"event_log: {interval: 0.1s}", {5, milliseconds(100), 4096}},
      {"event_log:\n  burst: 3\n  interval: 30s\n", {3, milliseconds(30000), 4096}},
  };
  for (const auto& c : cases) {
    Config config;
    std::string error;
    EXPECT_TRUE(ParseConfig(c.text, &config, &error)) << c.text << " -> " << error;
    EXPECT_TRUE(SameEventLog(config.event_log, c.want)) << c.text;
  }
}

TEST(ConfigFileTest, RejectsPortScanAndEventLogValuesJustOutsideBoundsOrOfWrongType) {
  const std::vector<BadCase> cases = {
      {"port_scan: {min_ports: 1}\n", "port_scan.min_ports: 1 is out of range"},
      {"port_scan: {min_ports: 1025}\n", "port_scan.min_ports: 1025 is out of range"},
      {"port_scan: {min_addresses: 1}\n", "port_scan.min_addresses: 1 is out of range"},
      {"port_scan: {min_addresses: 1025}\n", "port_scan.min_addresses: 1025 is out of range"},
      {"port_scan: {window: 999ms}\n", "port_scan.window: 999ms is out of range"},
      {"port_scan: {window: 601s}\n", "port_scan.window: 601s is out of range"},
      {"port_scan: {window: 10.001m}\n", "port_scan.window: 10.001m is out of range"},
      {"port_scan: {window: 1h}\n", "port_scan.window: 1h is out of range"},
      {"port_scan: {max_sources: 15}\n", "port_scan.max_sources: 15 is out of range"},
      {"port_scan: {max_sources: 1048577}\n", "port_scan.max_sources: 1048577 is out of range"},
      {"port_scan: {min_ports: 2.5}\n", "port_scan.min_ports: 2.5 is not an integer"},
      {"port_scan: {min_ports: \"20\"}\n", "port_scan.min_ports: \"20\" is not an integer"},
      {"port_scan: {min_addresses: [3]}\n", "port_scan.min_addresses: a list is not a number"},
      {"port_scan: {max_sources: lots}\n", "port_scan.max_sources: lots is not an integer"},
      {"port_scan: {window: 10}\n", "port_scan.window: 10 is not a duration"},
      {"port_scan: {window: }\n", "port_scan.window: an empty value is not a duration"},
      {"port_scan: {min_ports: 5, min_ports: 6}\n", "duplicate key \"min_ports\" in port_scan"},
      {"port_scan: 20\n", "port_scan: 20 is not a map; expected a map of detector settings"},
      {"event_log: {burst: 0}\n", "event_log.burst: 0 is out of range"},
      {"event_log: {burst: 1001}\n", "event_log.burst: 1001 is out of range"},
      {"event_log: {interval: 99ms}\n", "event_log.interval: 99ms is out of range"},
      {"event_log: {interval: 3601s}\n", "event_log.interval: 3601s is out of range"},
      {"event_log: {interval: 1.01h}\n", "event_log.interval: 1.01h is out of range"},
      {"event_log: {max_keys: 15}\n", "event_log.max_keys: 15 is out of range"},
      {"event_log: {max_keys: 1048577}\n", "event_log.max_keys: 1048577 is out of range"},
      {"event_log: {burst: -1}\n", "event_log.burst: -1 is out of range"},
      {"event_log: {burst: {a: 1}}\n", "event_log.burst: a map is not a number"},
      {"event_log: {interval: 5}\n", "event_log.interval: 5 is not a duration"},
      {"event_log: {interval: 100.5ms}\n", "event_log.interval: 100.5ms is not a whole number"},
      {"event_log: {max_keys: 1e3}\n", "event_log.max_keys: 1e3 is not an integer"},
      {"event_log: [1]\n", "event_log: a list is not a map; expected a map of rate limit settings"},
  };
  for (const auto& c : cases) {
    Config config;
    config.port_scan.min_ports = 77;
    config.event_log.burst = 77;
    std::string error;
    EXPECT_FALSE(ParseConfig(c.text, &config, &error)) << c.text;
    EXPECT_NE(error.find(c.error_part), std::string::npos) << c.text << " -> " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_EQ(config.port_scan.min_ports, 77u) << "output touched on error: " << c.text;
    EXPECT_EQ(config.event_log.burst, 77u) << "output touched on error: " << c.text;
  }
}

struct ExactCase {
  const char* text;
  const char* error;
};

TEST(ConfigFileTest, PortScanAndEventLogErrorsNameKeyValueAndExpectation) {
  const std::vector<ExactCase> cases = {
      {"port_scan: {min_ports: 1}",
       "port_scan.min_ports: 1 is out of range; expected an integer from 2 to 1024"},
      {"port_scan: {min_addresses: x}",
       "port_scan.min_addresses: x is not an integer; expected an integer from 2 to 1024"},
      {"port_scan: {window: 11m}",
       "port_scan.window: 11m is out of range; expected a duration from 1s to 10m, e.g. 30s or 2m"},
      {"port_scan: {max_sources: 8}",
       "port_scan.max_sources: 8 is out of range; expected an integer from 16 to 1048576"},
      {"port_scan: {min_port: 3}",
       "unknown key \"min_port\" in port_scan; valid keys: min_ports, min_addresses, window, "
       "max_sources, tick"},
      {"event_log: {burst: 2000}",
       "event_log.burst: 2000 is out of range; expected an integer from 1 to 1000"},
      {"event_log: {interval: 2h}",
       "event_log.interval: 2h is out of range; expected a duration from 100ms to 1h, e.g. 10s or "
       "5m"},
      {"event_log: {max_keys: \"64\"}",
       "event_log.max_keys: \"64\" is not an integer; expected an integer from 16 to 1048576"},
      {"event_log: {rate: 1}",
       "unknown key \"rate\" in event_log; valid keys: burst, interval, max_keys, "
       "max_lines_per_second"},
  };
  for (const auto& c : cases) {
    Config config;
    std::string error;
    EXPECT_FALSE(ParseConfig(c.text, &config, &error)) << c.text;
    EXPECT_EQ(error, c.error) << c.text;
  }
}

class ConfigFileLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/config_file_test_XXXXXX";
    const int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = tmpl;
  }
  void TearDown() override { std::remove(path_.c_str()); }

  void Write(const std::string& text) {
    std::FILE* f = std::fopen(path_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }

  std::string path_;
};

TEST_F(ConfigFileLoadTest, ReadsFile) {
  Write("syn_flood:\n  tick: 250ms\n  top_sources: 7\n");
  Config config;
  std::string error;
  ASSERT_TRUE(LoadConfigFile(path_, &config, &error)) << error;
  EXPECT_EQ(config.syn_flood.tick, std::chrono::milliseconds(250));
  EXPECT_EQ(config.syn_flood.top_sources, 7u);
  EXPECT_EQ(config.syn_flood.clear_ticks, 5u);
}

TEST_F(ConfigFileLoadTest, ReadsEverySectionOfTheDocumentedExample) {
  Write(
      "port_scan:\n  min_ports: 30\n  min_addresses: 10\n  window: 1m\n  max_sources: 8192\n"
      "event_log:\n  burst: 3\n  interval: 30s\n  max_keys: 1024\n"
      "policy:\n"
      "  allowed_listen_ports: [22, 80, 443, \"8000-8100\"]\n"
      "  allowed_egress_ports: [53, 80, 443, \"1024-65535\"]\n"
      "  denied_sources: [192.0.2.0/24, \"2001:db8:bad::/48\"]\n"
      "  denied_destinations: [198.51.100.7, 203.0.113.0/24]\n");
  Config config;
  std::string error;
  ASSERT_TRUE(LoadConfigFile(path_, &config, &error)) << error;
  EXPECT_TRUE(SamePortScan(config.port_scan, {30, 10, std::chrono::milliseconds(60000), 8192}));
  EXPECT_TRUE(SameEventLog(config.event_log, {3, std::chrono::milliseconds(30000), 1024}));
  EXPECT_EQ(config.policy.allowed_listen_ports.size(), 4u);
  EXPECT_EQ(config.policy.allowed_egress_ports.size(), 4u);
  EXPECT_EQ(config.policy.denied_sources.size(), 2u);
  EXPECT_EQ(config.policy.denied_destinations.size(), 2u);
  EXPECT_TRUE(SameSynFlood(config.syn_flood, SynFloodConfig{}));
}

TEST_F(ConfigFileLoadTest, PrefixesParseErrorsWithPath) {
  Write("syn_flood:\n  clear_ticks: 0\n");
  Config config;
  std::string error;
  EXPECT_FALSE(LoadConfigFile(path_, &config, &error));
  EXPECT_EQ(error, path_ +
                       ": syn_flood.clear_ticks: 0 is out of range; expected an integer "
                       "from 1 to 600");
}

TEST_F(ConfigFileLoadTest, EmptyFileGivesDefaults) {
  Config config;
  std::string error;
  ASSERT_TRUE(LoadConfigFile(path_, &config, &error)) << error;
  EXPECT_TRUE(SameSynFlood(config.syn_flood, SynFloodConfig{}));
}

TEST(ConfigFileLoadErrorTest, ReportsMissingFileAndDirectory) {
  Config config;
  std::string error;
  EXPECT_FALSE(LoadConfigFile("/nonexistent/socket_exporter.yml", &config, &error));
  EXPECT_EQ(error, "/nonexistent/socket_exporter.yml: No such file or directory");
  EXPECT_FALSE(LoadConfigFile("/tmp", &config, &error));
  EXPECT_EQ(error, "/tmp: Is a directory");
}

// Found by tests/fuzz: a quoted key, and yaml-cpp's message naming a bad escape, carried the
// file's control characters into the error and broke the log line.
TEST(ConfigFileTest, ErrorsQuotingControlCharactersStayOnOneLine) {
  struct Case {
    std::string text;
    std::string error_part;
  };
  const std::vector<Case> cases = {
      {"\"syn\\nflood\": {}\n", "unknown key \"syn\\nflood\" in the top level"},
      {"policy:\n  \"a\\rb\": 1\n", "unknown key \"a b\" in policy"},
      {"syn_flood:\n  tick: \"1s\\\r\"\n", "unknown escape character"},
      // A NUL byte before a newline: yaml-cpp names the newline as a bad escape.
      {std::string("syn_flood: 1s\0\n", 15), "unknown escape character"},
  };
  for (const auto& c : cases) {
    Config config;
    std::string error;
    EXPECT_FALSE(ParseConfig(c.text, &config, &error)) << c.text;
    EXPECT_NE(error.find(c.error_part), std::string::npos) << error;
    EXPECT_EQ(error.find_first_of("\r\n"), std::string::npos) << error;
  }
}

TEST(ConfigFileTest, ASecondYamlDocumentIsAnErrorNamingItsLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"syn_flood:\n  tick: 2s\n---\nsyn_flood:\n  tick: 5s\n", "line 3: "},
      {"---\nport_scan:\n  min_ports: 30\n--- # again\nport_scan: {}\n", "line 4: "},
      {"event_log:\n  burst: 3\n...\n---\n", "line 4: "},
  };
  for (const auto& [text, where] : cases) {
    Config config;
    config.syn_flood.top_sources = 42;  // untouched on error
    std::string error;
    EXPECT_FALSE(ParseConfig(text, &config, &error)) << text;
    EXPECT_EQ(error, where +
                         "a second YAML document starts with ---; the file must hold exactly one "
                         "document (remove that line, or merge the documents)")
        << text;
    EXPECT_EQ(config.syn_flood.top_sources, 42u);
  }
  // A leading --- and a closing ... still make one document.
  Config config;
  std::string error;
  EXPECT_TRUE(ParseConfig("---\nsyn_flood:\n  tick: 2s\n...\n", &config, &error)) << error;
  EXPECT_EQ(config.syn_flood.tick, std::chrono::milliseconds(2000));
}

TEST_F(ConfigFileLoadTest, FileOverOneMebibyteIsRefusedBeforeParsing) {
  // Valid YAML all the way (a comment), so only the size can reject it.
  const std::string big = "syn_flood:\n  tick: 2s\n#" + std::string(1 << 20, 'x') + "\n";
  Write(big);
  Config config;
  std::string error;
  EXPECT_FALSE(LoadConfigFile(path_, &config, &error));
  EXPECT_EQ(error, path_ + " is " + std::to_string(big.size()) + " bytes; at most 1 MiB is read");
  // Exactly 1 MiB is still read.
  const std::string head = "syn_flood:\n  tick: 2s\n#";
  Write(head + std::string((1 << 20) - head.size() - 1, 'x') + "\n");
  ASSERT_TRUE(LoadConfigFile(path_, &config, &error)) << error;
  EXPECT_EQ(config.syn_flood.tick, std::chrono::milliseconds(2000));
}

TEST(ConfigFileLoadErrorTest, EndlessStreamIsCutAfterOneMebibyte) {
  Config config;
  std::string error;
  EXPECT_FALSE(LoadConfigFile("/dev/zero", &config, &error));  // stat gives no size
  EXPECT_EQ(error, "/dev/zero is more than 1048576 bytes; at most 1 MiB is read");
}

}  // namespace
}  // namespace se
