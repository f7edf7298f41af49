#include "net/ip_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <unordered_set>

namespace se {
namespace {

TEST(IpAddressTest, FromV4KeepsNetworkOrderInFirstFourBytes) {
  const IpAddress a = IpAddress::FromV4(htonl(0xC0A80001));  // 192.168.0.1
  EXPECT_EQ(a.family, AF_INET);
  EXPECT_EQ(a.bytes[0], 192);
  EXPECT_EQ(a.bytes[1], 168);
  EXPECT_EQ(a.bytes[2], 0);
  EXPECT_EQ(a.bytes[3], 1);
  for (size_t i = 4; i < a.bytes.size(); ++i) EXPECT_EQ(a.bytes[i], 0) << i;
  EXPECT_EQ(a.ToString(), "192.168.0.1");
}

TEST(IpAddressTest, FromV6RoundTripsThroughText) {
  uint8_t raw[16];
  ASSERT_EQ(inet_pton(AF_INET6, "2001:db8::1:0:0:42", raw), 1);
  const IpAddress a = IpAddress::FromV6(raw);
  EXPECT_EQ(a.family, AF_INET6);
  EXPECT_EQ(a.ToString(), "2001:db8::1:0:0:42");
}

TEST(IpAddressTest, ParseAcceptsBothFamiliesAndRejectsTheRest) {
  IpAddress a;
  ASSERT_TRUE(IpAddress::Parse("10.1.2.3", &a));
  EXPECT_EQ(a, IpAddress::FromV4(htonl(0x0A010203)));
  ASSERT_TRUE(IpAddress::Parse("::ffff:10.1.2.3", &a));
  EXPECT_EQ(a.family, AF_INET6);
  EXPECT_EQ(a.ToString(), "::ffff:10.1.2.3");
  const IpAddress before = a;
  for (const char* bad : {"", "10.1.2", "10.1.2.256", "1.2.3.4/8", "fe80::1%eth0", "host"}) {
    EXPECT_FALSE(IpAddress::Parse(bad, &a)) << bad;
  }
  EXPECT_EQ(a, before);
}

TEST(IpAddressTest, EqualityNeedsFamilyAndBytes) {
  IpAddress v4, v6;
  ASSERT_TRUE(IpAddress::Parse("0.0.0.0", &v4));
  ASSERT_TRUE(IpAddress::Parse("::", &v6));
  EXPECT_EQ(v4.bytes, v6.bytes);
  EXPECT_NE(v4, v6);
  EXPECT_EQ(v4, IpAddress::FromV4(0));
  EXPECT_NE(IpAddress::FromV4(1), IpAddress::FromV4(2));
}

TEST(IpAddressTest, UnknownFamilyPrintsEmpty) { EXPECT_EQ(IpAddress().ToString(), ""); }

TEST(IpAddressTest, HashSeparatesAddressesAndAgreesWithEquality) {
  std::unordered_set<IpAddress, IpAddressHash> set;
  for (uint32_t i = 0; i < 1000; ++i) set.insert(IpAddress::FromV4(htonl(0x0A000000 + i)));
  uint8_t raw[16] = {0x20, 0x01, 0x0d, 0xb8};
  for (uint8_t i = 0; i < 100; ++i) {
    raw[15] = i;
    set.insert(IpAddress::FromV6(raw));
  }
  set.insert(IpAddress::FromV4(htonl(0x0A000000)));  // duplicate
  EXPECT_EQ(set.size(), 1100u);
  EXPECT_EQ(IpAddressHash()(IpAddress::FromV4(7)), IpAddressHash()(IpAddress::FromV4(7)));
  // Same bytes, other family: distinct keys (hash may or may not differ, equality must).
  IpAddress zero6;
  ASSERT_TRUE(IpAddress::Parse("::", &zero6));
  set.insert(zero6);
  set.insert(IpAddress::FromV4(0));
  EXPECT_EQ(set.size(), 1102u);
}

// Kernel events carry family 4 or 6; the IPv4 peer of a dual-stack socket is ::ffff:a.b.c.d.
TEST(IpAddressTest, FromKernelShowsV4MappedPeersAsPlainIpv4) {
  uint8_t v4[16] = {10, 1, 2, 3};
  EXPECT_EQ(IpAddress::FromKernel(4, v4).ToString(), "10.1.2.3");
  const std::array<uint8_t, 16> mapped = V4Mapped(v4);
  EXPECT_TRUE(IsV4Mapped(mapped.data()));
  const IpAddress peer = IpAddress::FromKernel(6, mapped.data());
  EXPECT_EQ(peer.family, AF_INET);
  EXPECT_EQ(peer, IpAddress::FromKernel(4, v4));
  uint8_t v6[16];
  ASSERT_EQ(inet_pton(AF_INET6, "2001:db8::ffff:10.1.2.3", v6), 1);
  EXPECT_FALSE(IsV4Mapped(v6));
  EXPECT_EQ(IpAddress::FromKernel(6, v6).ToString(), "2001:db8::ffff:a01:203");
}

TEST(IpAddressTest, V4MappedIsTheKernelsForm) {
  const uint8_t v4[4] = {192, 0, 2, 7};
  const std::array<uint8_t, 16> mapped = V4Mapped(v4);
  char text[INET6_ADDRSTRLEN];
  ASSERT_NE(inet_ntop(AF_INET6, mapped.data(), text, sizeof(text)), nullptr);
  EXPECT_STREQ(text, "::ffff:192.0.2.7");
}

}  // namespace
}  // namespace se
