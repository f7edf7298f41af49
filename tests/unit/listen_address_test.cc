#include "config/listen_address.h"

#include <gtest/gtest.h>

namespace se {
namespace {

TEST(ListenAddressTest, ParsesHostForms) {
  ListenAddress a;
  std::string e;
  ASSERT_TRUE(ParseListenAddress(":9976", &a, &e));
  EXPECT_EQ(a.host, "");
  EXPECT_EQ(a.port, 9976);
  EXPECT_FALSE(a.ipv6);
  ASSERT_TRUE(ParseListenAddress("127.0.0.1:0", &a, &e));
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 0);
  ASSERT_TRUE(ParseListenAddress("[::1]:80", &a, &e));
  EXPECT_TRUE(a.ipv6);
  EXPECT_EQ(a.host, "::1");
  ASSERT_TRUE(ParseListenAddress("[::]:82", &a, &e));
  EXPECT_TRUE(a.ipv6);
  EXPECT_EQ(a.host, "::");
  ASSERT_TRUE(ParseListenAddress("localhost:81", &a, &e));
  EXPECT_EQ(a.host, "127.0.0.1");
}

TEST(ListenAddressTest, RejectsMalformed) {
  for (const char* bad : {"9976", "host.example:80", ":70000", ":", "1.2.3:80", "[::1:80", "::1:80",
                          "127.0.0.1:-1", ""}) {
    ListenAddress a;
    std::string e;
    EXPECT_FALSE(ParseListenAddress(bad, &a, &e)) << bad;
    EXPECT_NE(e.find("expected [HOST]:PORT"), std::string::npos) << e;
  }
}

}  // namespace
}  // namespace se
