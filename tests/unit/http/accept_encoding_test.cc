#include "http/accept_encoding.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace se {
namespace {

TEST(AcceptEncodingTest, DecidesGzipFromTheHeaderValue) {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"", false},
      {"identity", false},
      {"gzip", true},
      {"GZip", true},
      {"x-gzip", true},
      {"deflate, gzip", true},
      {"gzip, deflate, br", true},  // Prometheus and browsers
      {" \tgzip\t ", true},
      {"gzip;q=1", true},
      {"gzip;q=0.001", true},
      {"gzip;q=0", false},
      {"gzip;q=0.0", false},
      {"gzip;q=0.000", false},
      {"gzip ; Q = 0", false},
      {"gzip;level=9;q=0", false},
      {"gzip;level=9", true},
      {"*", true},
      {"*;q=0.5", true},
      {"*;q=0", false},
      {"deflate, *", true},
      {"gzip;q=0, *", false},  // listed gzip wins over the wildcard
      {"*, gzip;q=0", false},
      {"*;q=0, gzip", true},
      {"gzip;q=0, gzip;q=0.5", true},  // the highest q of repeated codings
      {"gzip;q=2", false},             // malformed q-values drop their element
      {"gzip;q=1.5", false},
      {"gzip;q=1.001", false},
      {"gzip;q=0.1234", false},
      {"gzip;q=", false},
      {"gzip;q=abc", false},
      {"gzip;q=-1", false},
      {"gzip;q=2, *", true},
      {"gzipx", false},
      {"xgzip", false},
      {"gzip2, deflate", false},
      {"deflate;q=1, br", false},
      {",,, ,gzip,", true},
      {"gzip;", true},
  };
  for (const auto& [header, want] : cases) EXPECT_EQ(AcceptsGzip(header), want) << header;
}

TEST(AcceptEncodingTest, ParsesQValuesInThousandths) {
  EXPECT_EQ(ParseQValue("0"), 0);
  EXPECT_EQ(ParseQValue("1"), 1000);
  EXPECT_EQ(ParseQValue("1."), 1000);
  EXPECT_EQ(ParseQValue("1.000"), 1000);
  EXPECT_EQ(ParseQValue("0.5"), 500);
  EXPECT_EQ(ParseQValue("0.05"), 50);
  EXPECT_EQ(ParseQValue("0.123"), 123);
  EXPECT_EQ(ParseQValue("0.001"), 1);
  for (const char* bad : {"", ".5", "2", "1.1", "0.1234", "0,5", "00", "0.5x", " 1", "1e0"})
    EXPECT_EQ(ParseQValue(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace se
