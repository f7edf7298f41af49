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
      {"- a\n- b\n", "top level: a list is not a map; expected a map with key syn_flood"},
      {"hello\n", "top level: hello is not a map"},
      {"syn_flod: {}\n", "unknown key \"syn_flod\" in the top level; valid keys: syn_flood"},
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
      {"syn_flood: {tick: 1m}\n", "syn_flood.tick: 1m is not a duration"},
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

}  // namespace
}  // namespace se
