#include "config/port_list.h"

#include <gtest/gtest.h>

namespace se {
namespace {

struct Case {
  const char* text;
  bool ok;
  std::vector<uint16_t> ports;
  const char* bad_token;
};

// Each case parses as expected; a failure names its bad token (on one line if asked).
void ExpectCases(const std::vector<Case>& cases, bool one_line) {
  for (const auto& c : cases) {
    std::vector<uint16_t> ports;
    std::string error;
    EXPECT_EQ(ParsePortList(c.text, &ports, &error), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(ports, c.ports) << c.text;
    } else {
      EXPECT_NE(error.find(std::string("bad token ") + c.bad_token), std::string::npos) << error;
      if (one_line) {
        EXPECT_EQ(error.find('\n'), std::string::npos);
      }
    }
  }
}

TEST(PortListTest, ParsesPortsAndRangesAndNamesBadTokens) {
  const std::vector<Case> cases = {
      {"", true, {}, nullptr},
      {"22", true, {22}, nullptr},
      {"80,22,80", true, {22, 80}, nullptr},
      {"8000-8003, 1", true, {1, 8000, 8001, 8002, 8003}, nullptr},
      {"65535", true, {65535}, nullptr},
      {"0", false, {}, "\"0\""},
      {"65536", false, {}, "\"65536\""},
      {"22,http", false, {}, "\"http\""},
      {"10-5", false, {}, "\"10-5\""},
      {"22,,80", false, {}, "\"\""},
      {"-5", false, {}, "\"-5\""},
      {"1-2-3", false, {}, "\"1-2-3\""},
  };
  ExpectCases(cases, /*one_line=*/true);
}

TEST(PortListTest, EveryCommaSeparatesTwoItems) {
  for (const char* text : {",", ",,", "80,", ",80", "80,,81", "80, ,81", " "}) {
    std::vector<uint16_t> ports = {1};
    std::string error;
    EXPECT_FALSE(ParsePortList(text, &ports, &error)) << "\"" << text << "\"";
    EXPECT_NE(error.find("bad token \"\" (an empty item)"), std::string::npos) << error;
    EXPECT_EQ(ports, (std::vector<uint16_t>{1})) << text;  // untouched on error
  }
}

TEST(PortListTest, SpacesOnlyAroundItemsNotInsideThem) {
  const std::vector<Case> cases = {
      {" 22 ,\t80", true, {22, 80}, nullptr},        {"8 0", false, {}, "\"8 0\""},
      {"8000 - 8003", false, {}, "\"8000 - 8003\""}, {"+80", false, {}, "\"+80\""},
      {"80-+81", false, {}, "\"80-+81\""},
  };
  ExpectCases(cases, /*one_line=*/false);
}

TEST(PortListTest, FullRangeExpandsToEveryPort) {
  std::vector<uint16_t> ports;
  std::string error;
  ASSERT_TRUE(ParsePortList("1-65535", &ports, &error));
  EXPECT_EQ(ports.size(), 65535u);
}

// Overlapping ranges are a set: 20,000 copies of the full range (160 KB of flag text) yield the
// same 65,535 ports instead of 1.3 billion list entries.
TEST(PortListTest, RepeatedWideRangesCostNoMoreThanOne) {
  std::string text = "1-65535";
  for (int i = 1; i < 20000; ++i) text += ",1-65535";
  std::vector<uint16_t> ports;
  std::string error;
  ASSERT_TRUE(ParsePortList(text, &ports, &error)) << error;
  ASSERT_EQ(ports.size(), 65535u);
  EXPECT_EQ(ports.front(), 1);
  EXPECT_EQ(ports.back(), 65535);
}

}  // namespace
}  // namespace se
