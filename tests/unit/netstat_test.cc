#include <gtest/gtest.h>

#include "collectors/netstat_families.h"
#include "parsers/netstat_parse.h"

namespace se {
namespace {

TEST(NetstatTest, ParsesPairsOfNameAndValueLines) {
  const std::string text =
      "TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed ListenOverflows\n"
      "TcpExt: 18095 3 7 2\n"
      "IpExt: InNoRoutes InOctets\n"
      "IpExt: 0 123456789012\n";
  const auto m = ParseNetstat(text);
  EXPECT_EQ(m.at("TcpExt.SyncookiesSent"), 18095u);
  EXPECT_EQ(m.at("TcpExt.SyncookiesFailed"), 7u);
  EXPECT_EQ(m.at("TcpExt.ListenOverflows"), 2u);
  EXPECT_EQ(m.at("IpExt.InOctets"), 123456789012u);
  EXPECT_EQ(m.size(), 6u);
}

TEST(NetstatTest, SkipsMismatchedOrMalformedPairs) {
  const std::string text =
      "TcpExt: A B\n"
      "TcpExt: 1\n"  // too few values
      "IpExt: X\n"
      "MptcpExt: 5\n"  // prefix differs
      "Foo: C D\n"
      "Foo: 3 x\n";  // a value that is not a number
  const auto m = ParseNetstat(text);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.at("Foo.C"), 3u);
}

TEST(NetstatTest, SumsNamespacesIntoTheThreeCounters) {
  NetstatCounters sum;
  AddNetstat({{"TcpExt.SyncookiesSent", 5}, {"TcpExt.ListenOverflows", 1}}, &sum);
  AddNetstat({{"TcpExt.SyncookiesSent", 2}, {"TcpExt.SyncookiesFailed", 4}}, &sum);
  EXPECT_EQ(sum.syncookies_sent, 7u);
  EXPECT_EQ(sum.syncookies_failed, 4u);
  EXPECT_EQ(sum.listen_overflows, 1u);
  const auto families = BuildNetstatFamilies(sum);
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].name, "socket_tcp_syncookies_sent_total");
  EXPECT_EQ(families[0].metric.at(0).counter.value, 7);
  EXPECT_TRUE(families[0].metric.at(0).label.empty());
}

}  // namespace
}  // namespace se
