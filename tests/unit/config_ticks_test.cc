// Each detector's cadence: syn_flood.tick, port_scan.tick, policy.tick.
#include <gtest/gtest.h>

#include "config/config_file.h"

namespace se {
namespace {

using std::chrono::milliseconds;

TEST(ConfigTicksTest, EveryDetectorTicksOncePerSecondByDefault) {
  Config c;
  std::string error;
  ASSERT_TRUE(ParseConfig("", &c, &error)) << error;
  EXPECT_EQ(c.syn_flood.tick, milliseconds(1000));
  EXPECT_EQ(c.port_scan.tick, milliseconds(1000));
  EXPECT_EQ(c.policy.tick, milliseconds(1000));
}

TEST(ConfigTicksTest, EachTickIsSetOnItsOwn) {
  Config c;
  std::string error;
  ASSERT_TRUE(
      ParseConfig("syn_flood: {tick: 60s}\nport_scan: {tick: 250ms}\n"
                  "policy: {tick: 2.5s, allowed_listen_ports: [22]}\n",
                  &c, &error))
      << error;
  EXPECT_EQ(c.syn_flood.tick, milliseconds(60000));
  EXPECT_EQ(c.port_scan.tick, milliseconds(250));
  EXPECT_EQ(c.policy.tick, milliseconds(2500));
  EXPECT_EQ(c.policy.allowed_listen_ports.size(), 1u);
}

TEST(ConfigTicksTest, TicksOutsideTheirBoundsNameKeyValueAndExpectation) {
  const std::pair<const char*, const char*> cases[] = {
      {"port_scan: {tick: 50ms}",
       "port_scan.tick: 50ms is out of range; expected a duration from 100ms to 60s, e.g. 500ms "
       "or 2.5s"},
      {"policy: {tick: 2m}",
       "policy.tick: 2m is out of range; expected a duration from 100ms to 60s, e.g. 500ms or "
       "2.5s"},
  };
  for (const auto& [text, want] : cases) {
    Config c;
    std::string error;
    EXPECT_FALSE(ParseConfig(text, &c, &error)) << text;
    EXPECT_EQ(error, want) << text;
  }
}

}  // namespace
}  // namespace se
