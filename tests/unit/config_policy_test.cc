#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "config/config_file.h"

namespace se {
namespace {

PolicyConfig ParsePolicyOk(const std::string& text) {
  Config config;
  std::string error;
  EXPECT_TRUE(ParseConfig(text, &config, &error)) << text << " -> " << error;
  return config.policy;
}

std::string ParseError(const std::string& text) {
  Config config;
  config.policy.denied_sources = {Cidr{AF_INET, {127}, 8}};
  std::string error;
  EXPECT_FALSE(ParseConfig(text, &config, &error)) << text;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_EQ(config.policy.denied_sources.size(), 1u) << "output touched on error: " << text;
  return error;
}

Cidr V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t prefix) {
  return Cidr{AF_INET, {a, b, c, d}, prefix};
}

Cidr V6(const char* address, uint8_t prefix) {
  Cidr cidr{AF_INET6, {}, prefix};
  EXPECT_EQ(inet_pton(AF_INET6, address, cidr.addr.data()), 1) << address;
  return cidr;
}

TEST(ConfigPolicyTest, EveryRuleIsOffWhenAbsentEmptyOrNull) {
  for (const char* text :
       {"", "policy:\n", "policy: {}\n",
        "policy:\n  allowed_listen_ports:\n  allowed_egress_ports: []\n  denied_sources: []\n"
        "  denied_destinations:\n"}) {
    const PolicyConfig p = ParsePolicyOk(text);
    EXPECT_TRUE(p.allowed_listen_ports.empty()) << text;
    EXPECT_TRUE(p.allowed_egress_ports.empty()) << text;
    EXPECT_TRUE(p.denied_sources.empty()) << text;
    EXPECT_TRUE(p.denied_destinations.empty()) << text;
  }
}

TEST(ConfigPolicyTest, PortsAndRangesAreSortedAndMerged) {
  const PolicyConfig p = ParsePolicyOk(
      "policy:\n"
      "  allowed_listen_ports: [443, 22, \"8000-8100\", 8050, 80, \"22\", 81, \"79-80\"]\n"
      "  allowed_egress_ports:\n"
      "    - 1\n"
      "    - \"100-200\"\n"
      "    - 150-250\n"
      "    - \"251-260\"\n"
      "    - 65535\n"
      "    - \"65000-65534\"\n");
  EXPECT_EQ(p.allowed_listen_ports,
            (std::vector<PortRange>{{22, 22}, {79, 81}, {443, 443}, {8000, 8100}}));
  EXPECT_EQ(p.allowed_egress_ports, (std::vector<PortRange>{{1, 1}, {100, 260}, {65000, 65535}}));
}

TEST(ConfigPolicyTest, PortBoundsAreOneAnd65535) {
  EXPECT_EQ(ParsePolicyOk("policy: {allowed_listen_ports: [1, 65535]}").allowed_listen_ports,
            (std::vector<PortRange>{{1, 1}, {65535, 65535}}));
  EXPECT_EQ(ParsePolicyOk("policy: {allowed_listen_ports: [\"1-65535\", 7]}").allowed_listen_ports,
            (std::vector<PortRange>{{1, 65535}}));
  const std::string want = "; expected a port from 1 to 65535 or a range like \"8000-8100\"";
  EXPECT_EQ(ParseError("policy: {allowed_listen_ports: [22, 0]}"),
            "policy.allowed_listen_ports[1]: 0 is out of range" + want);
  EXPECT_EQ(ParseError("policy: {allowed_egress_ports: [65536]}"),
            "policy.allowed_egress_ports[0]: 65536 is out of range" + want);
  EXPECT_EQ(ParseError("policy: {allowed_egress_ports: [\"0-10\"]}"),
            "policy.allowed_egress_ports[0]: \"0-10\" is out of range" + want);
  EXPECT_EQ(ParseError("policy: {allowed_egress_ports: [\"10-65536\"]}"),
            "policy.allowed_egress_ports[0]: \"10-65536\" is out of range" + want);
  EXPECT_EQ(ParseError("policy: {allowed_egress_ports: [99999999999]}"),
            "policy.allowed_egress_ports[0]: 99999999999 is out of range" + want);
}

TEST(ConfigPolicyTest, RejectsMalformedPortItems) {
  const std::string want = "; expected a port from 1 to 65535 or a range like \"8000-8100\"";
  EXPECT_EQ(ParseError("policy: {allowed_listen_ports: [\"8100-8000\"]}"),
            "policy.allowed_listen_ports[0]: \"8100-8000\" is a reversed range; expected first "
            "<= last, e.g. \"8000-8100\"");
  EXPECT_EQ(ParseError("policy: {allowed_listen_ports: [http]}"),
            "policy.allowed_listen_ports[0]: http is not a port or range" + want);
  for (const char* item : {"\"80-\"", "\"-80\"", "-1", "\"1-2-3\"", "80.5", "\"8000 - 8100\"",
                           "\"\"", "[80]", "{a: 1}", "~"}) {
    const std::string error =
        ParseError(std::string("policy: {allowed_listen_ports: [22, ") + item + "]}");
    EXPECT_EQ(error.find("policy.allowed_listen_ports[1]: "), 0u) << item << " -> " << error;
    EXPECT_NE(error.find(" is not a port or range" + want), std::string::npos) << error;
  }
}

TEST(ConfigPolicyTest, RejectsListsThatAreNotListsOrTooLong) {
  EXPECT_EQ(ParseError("policy: {allowed_listen_ports: 80}"),
            "policy.allowed_listen_ports: 80 is not a list; expected a list of ports and ranges, "
            "e.g. [22, 443, \"8000-8100\"]");
  EXPECT_EQ(ParseError("policy: {denied_sources: 10.0.0.0/8}"),
            "policy.denied_sources: 10.0.0.0/8 is not a list; expected a list of networks, e.g. "
            "[10.0.0.0/8, \"2001:db8::/32\"]");
  EXPECT_EQ(ParseError("policy: {denied_destinations: {a: 1}}")
                .find("policy.denied_destinations: a map is not a list"),
            0u);
  EXPECT_EQ(ParseError("policy: {allowed_egress_ports: \"1-5\"}")
                .find("policy.allowed_egress_ports: \"1-5\" is not a list"),
            0u);
}

std::string PortList(int n) {
  std::string text = "policy:\n  allowed_listen_ports:\n";
  for (int i = 1; i <= n; ++i) text += "    - " + std::to_string(i * 2) + "\n";
  return text;
}

std::string CidrList(int n) {
  std::string text = "policy:\n  denied_destinations:\n";
  for (int i = 0; i < n; ++i) {
    text += "    - 10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "\n";
  }
  return text;
}

TEST(ConfigPolicyTest, ListsHoldAtMost1024Entries) {
  EXPECT_EQ(ParsePolicyOk(PortList(1024)).allowed_listen_ports.size(), 1024u);
  EXPECT_EQ(ParseError(PortList(1025)),
            "policy.allowed_listen_ports: a list of 1025 entries is too long; expected at most "
            "1024");
  EXPECT_EQ(ParsePolicyOk(CidrList(1024)).denied_destinations.size(), 1024u);
  EXPECT_EQ(ParseError(CidrList(1025)),
            "policy.denied_destinations: a list of 1025 entries is too long; expected at most "
            "1024");
}

TEST(ConfigPolicyTest, ParsesIpv4Ipv6AndBareAddresses) {
  const PolicyConfig p = ParsePolicyOk(
      "policy:\n"
      "  denied_sources:\n"
      "    - 10.0.0.0/8\n"
      "    - \"2001:db8::/32\"\n"
      "    - 2001:db8:1::/48\n"
      "    - 192.0.2.7\n"
      "    - \"2001:db8::1\"\n"
      "  denied_destinations: [0.0.0.0/0, \"::/0\", 198.51.100.128/25, \"fe80::/10\"]\n");
  EXPECT_EQ(p.denied_sources,
            (std::vector<Cidr>{V4(10, 0, 0, 0, 8), V4(192, 0, 2, 7, 32), V6("2001:db8::", 32)}));
  EXPECT_EQ(p.denied_destinations, (std::vector<Cidr>{V4(0, 0, 0, 0, 0), V6("::", 0)}));
  EXPECT_EQ(ParsePolicyOk("policy: {denied_sources: [\"2001:db8::1\"]}").denied_sources,
            (std::vector<Cidr>{V6("2001:db8::1", 128)}));
  EXPECT_EQ(
      ParsePolicyOk("policy: {denied_sources: [198.51.100.128/25, \"fe80::/10\"]}").denied_sources,
      (std::vector<Cidr>{V4(198, 51, 100, 128, 25), V6("fe80::", 10)}));
}

TEST(ConfigPolicyTest, DropsDuplicateAndContainedNetworks) {
  const PolicyConfig p = ParsePolicyOk(
      "policy:\n  denied_sources: [10.1.0.0/16, 10.0.0.0/8, 10.0.0.0/8, 10.255.255.255, "
      "11.0.0.0/8, \"2001:db8:5::/48\", \"2001:db8::/32\", 9.0.0.0/8]\n");
  EXPECT_EQ(p.denied_sources, (std::vector<Cidr>{V4(9, 0, 0, 0, 8), V4(10, 0, 0, 0, 8),
                                                 V4(11, 0, 0, 0, 8), V6("2001:db8::", 32)}));
}

TEST(ConfigPolicyTest, RejectsCidrsWithHostBitsSuggestingTheNetwork) {
  EXPECT_EQ(ParseError("policy: {denied_sources: [10.0.0.1/8]}"),
            "policy.denied_sources[0]: 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?");
  EXPECT_EQ(ParseError("policy: {denied_destinations: [1.2.3.4/32, \"192.0.2.129/25\"]}"),
            "policy.denied_destinations[1]: \"192.0.2.129/25\" has host bits set; did you mean "
            "192.0.2.128/25?");
  EXPECT_EQ(ParseError("policy: {denied_sources: [\"2001:db8::1/32\"]}"),
            "policy.denied_sources[0]: \"2001:db8::1/32\" has host bits set; did you mean "
            "2001:db8::/32?");
}

TEST(ConfigPolicyTest, RejectsIpv4MappedNetworksAskingForTheIpv4Form) {
  const std::string mapped = " is an IPv4-mapped IPv6 network; write it as IPv4: ";
  EXPECT_EQ(ParseError("policy: {denied_sources: [\"::ffff:0:0/96\"]}"),
            "policy.denied_sources[0]: \"::ffff:0:0/96\"" + mapped + "0.0.0.0/0");
  EXPECT_EQ(ParseError("policy: {denied_sources: [\"::ffff:10.0.0.0/104\"]}"),
            "policy.denied_sources[0]: \"::ffff:10.0.0.0/104\"" + mapped + "10.0.0.0/8");
  EXPECT_EQ(ParseError("policy: {denied_sources: [\"::ffff:10.1.2.3/104\"]}"),
            "policy.denied_sources[0]: \"::ffff:10.1.2.3/104\"" + mapped + "10.0.0.0/8");
  EXPECT_EQ(ParseError("policy: {denied_destinations: [\"::ffff:192.0.2.1\"]}"),
            "policy.denied_destinations[0]: \"::ffff:192.0.2.1\"" + mapped + "192.0.2.1/32");
  // A wider IPv6 network that merely contains the mapped range is an ordinary network.
  EXPECT_EQ(ParsePolicyOk("policy: {denied_sources: [\"::/64\"]}").denied_sources,
            (std::vector<Cidr>{V6("::", 64)}));
}

TEST(ConfigPolicyTest, RejectsTextThatIsNotACidr) {
  const std::string want =
      " is not a CIDR; expected an IPv4 or IPv6 network like 10.0.0.0/8 or 2001:db8::/32";
  EXPECT_EQ(ParseError("policy: {denied_sources: [10.0.0.0/8, 1.0.0.0/8, \"10.0.0.300/8\"]}"),
            "policy.denied_sources[2]: \"10.0.0.300/8\"" + want);
  for (const char* item :
       {"10.0.0/8", "\"10.0.0.0/\"", "\"10.0.0.0/-1\"", "\"10.0.0.0/8/8\"", "\"10.0.0.0 /8\"",
        "010.0.0.0/8", "0x0a.0.0.0/8", "host.example", "\"fe80::1%eth0\"", "\"2001:db8:::/32\"",
        "10", "\"\"", "[10.0.0.0/8]", "{a: b}", "~"}) {
    const std::string error =
        ParseError(std::string("policy: {denied_destinations: [") + item + "]}");
    EXPECT_EQ(error.find("policy.denied_destinations[0]: "), 0u) << item << " -> " << error;
    EXPECT_NE(error.find(want), std::string::npos) << item << " -> " << error;
  }
  EXPECT_EQ(ParseError("policy: {denied_sources: [10.0.0.0/33]}"),
            "policy.denied_sources[0]: 10.0.0.0/33 has a prefix longer than the address; expected "
            "a prefix from 0 to 32");
  EXPECT_EQ(ParseError("policy: {denied_sources: [\"::/129\"]}"),
            "policy.denied_sources[0]: \"::/129\" has a prefix longer than the address; expected a "
            "prefix from 0 to 128");
}

TEST(ConfigPolicyTest, RejectsUnknownKeysAndNonMaps) {
  EXPECT_EQ(ParseError("policy: {allowed_ports: [22]}"),
            "unknown key \"allowed_ports\" in policy; valid keys: allowed_listen_ports, "
            "allowed_egress_ports, denied_sources, denied_destinations, tick");
  EXPECT_EQ(ParseError("policy: [22]"),
            "policy: a list is not a map; expected a map of connection rules");
  EXPECT_EQ(ParseError("policy: {denied_sources: [], denied_sources: []}"),
            "duplicate key \"denied_sources\" in policy");
}

TEST(PortInRangesTest, MatchesInclusiveBoundsOnly) {
  const std::vector<PortRange> ranges = {{22, 22}, {8000, 8100}};
  EXPECT_TRUE(PortInRanges(ranges, 22));
  EXPECT_FALSE(PortInRanges(ranges, 21));
  EXPECT_FALSE(PortInRanges(ranges, 23));
  EXPECT_FALSE(PortInRanges(ranges, 7999));
  EXPECT_TRUE(PortInRanges(ranges, 8000));
  EXPECT_TRUE(PortInRanges(ranges, 8100));
  EXPECT_FALSE(PortInRanges(ranges, 8101));
  EXPECT_FALSE(PortInRanges({}, 22));
  EXPECT_TRUE(PortInRanges({{1, 65535}}, 65535));
  EXPECT_FALSE(PortInRanges({{1, 65535}}, 0));
  EXPECT_TRUE(PortInRanges({{900, 1000}, {5, 5}}, 5));  // order of ranges does not matter
}

TEST(AddressInCidrsTest, MatchesPrefixBitsWithinTheSameFamily) {
  const std::vector<Cidr> cidrs = {V4(10, 0, 0, 0, 8), V4(192, 0, 2, 128, 25), V6("2001:db8::", 32),
                                   V6("fe80::", 10)};
  const uint8_t in_10[4] = {10, 200, 1, 2}, out_11[4] = {11, 0, 0, 0};
  const uint8_t in_25[4] = {192, 0, 2, 128}, out_25[4] = {192, 0, 2, 127};
  EXPECT_TRUE(AddressInCidrs(cidrs, AF_INET, in_10));
  EXPECT_FALSE(AddressInCidrs(cidrs, AF_INET, out_11));
  EXPECT_TRUE(AddressInCidrs(cidrs, AF_INET, in_25));
  EXPECT_FALSE(AddressInCidrs(cidrs, AF_INET, out_25));
  EXPECT_TRUE(AddressInCidrs(cidrs, AF_INET6, V6("2001:db8:ffff::1", 128).addr.data()));
  EXPECT_FALSE(AddressInCidrs(cidrs, AF_INET6, V6("2001:db9::1", 128).addr.data()));
  EXPECT_TRUE(AddressInCidrs(cidrs, AF_INET6, V6("febf::1", 128).addr.data()));
  EXPECT_FALSE(AddressInCidrs(cidrs, AF_INET6, V6("fec0::1", 128).addr.data()));
  // Same leading bytes in the other family do not match.
  EXPECT_FALSE(AddressInCidrs(cidrs, AF_INET6, V6("a00::", 128).addr.data()));
  EXPECT_FALSE(AddressInCidrs(cidrs, AF_UNIX, in_10));
  EXPECT_FALSE(AddressInCidrs({}, AF_INET, in_10));
}

TEST(AddressInCidrsTest, MatchesIpv4MappedAddressesAgainstIpv4Networks) {
  const std::vector<Cidr> cidrs = {V4(10, 0, 0, 0, 8)};
  EXPECT_TRUE(AddressInCidrs(cidrs, AF_INET6, V6("::ffff:10.1.2.3", 128).addr.data()));
  EXPECT_FALSE(AddressInCidrs(cidrs, AF_INET6, V6("::ffff:11.1.2.3", 128).addr.data()));
  const uint8_t any[4] = {203, 0, 113, 9};
  EXPECT_TRUE(AddressInCidrs({V4(0, 0, 0, 0, 0)}, AF_INET, any));
  EXPECT_FALSE(AddressInCidrs({V6("::", 0)}, AF_INET, any));
}

TEST(AddressInCidrsTest, MatchesWhatTheParserProduced) {
  const PolicyConfig p = ParsePolicyOk("policy: {denied_sources: [172.16.0.0/12, \"::1\"]}");
  const uint8_t inside[4] = {172, 31, 255, 255}, outside[4] = {172, 32, 0, 0};
  EXPECT_TRUE(AddressInCidrs(p.denied_sources, AF_INET, inside));
  EXPECT_FALSE(AddressInCidrs(p.denied_sources, AF_INET, outside));
  EXPECT_TRUE(AddressInCidrs(p.denied_sources, AF_INET6, V6("::1", 128).addr.data()));
}

TEST(FormatCidrTest, PrintsAddressSlashPrefix) {
  EXPECT_EQ(FormatCidr(V4(10, 0, 0, 0, 8)), "10.0.0.0/8");
  EXPECT_EQ(FormatCidr(V6("2001:db8::", 32)), "2001:db8::/32");
  EXPECT_EQ(FormatCidr(V6("::1", 128)), "::1/128");
}

}  // namespace
}  // namespace se
