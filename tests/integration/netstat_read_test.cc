// Reading /proc/net/netstat through the kernel (moved from the unit tests: it is not pure).
#include <gtest/gtest.h>

#include "inventory/netstat.h"

namespace se {
namespace {

TEST(NetstatTest, ReadsTheCallersOwnNamespace) {
  std::string text, error;
  ASSERT_TRUE(ReadNetstat(-1, &text, &error)) << error;
  EXPECT_EQ(ParseNetstat(text).count("TcpExt.SyncookiesSent"), 1u);
}

}  // namespace
}  // namespace se
