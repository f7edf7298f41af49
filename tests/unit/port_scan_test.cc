#include "detectors/port_scan.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace se {
namespace {

constexpr uint64_t kMs = 1000000;
constexpr uint64_t kSec = 1000 * kMs;
constexpr uint64_t kWindow = 10 * kSec;

IpAddress Ip(const std::string& text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::Parse(text, &a)) << text;
  return a;
}

// 10.0.x.y for i = 256 * x + y.
IpAddress Host(uint32_t i) { return IpAddress::FromV4(htonl(0x0A000000 + i)); }

PortScanConfig Config(uint32_t min_ports, uint32_t min_addresses, uint32_t max_sources = 4096) {
  PortScanConfig config;
  config.min_ports = min_ports;
  config.min_addresses = min_addresses;
  config.window = std::chrono::milliseconds(kWindow / kMs);
  config.max_sources = max_sources;
  return config;
}

ClosedPortHit Hit(uint64_t t, const IpAddress& src, const IpAddress& dst, uint16_t port) {
  return ClosedPortHit{t, src, dst, port};
}

const IpAddress kScanner = Ip("192.0.2.7");
const IpAddress kTarget = Ip("198.51.100.1");

TEST(PortScanTest, VerticalFlagsExactlyAtMinPorts) {
  PortScanDetector d(Config(20, 20));
  for (uint16_t port = 1; port < 20; ++port) {
    EXPECT_FALSE(d.Observe(Hit(port * kMs, kScanner, kTarget, port))) << port;
  }
  EXPECT_EQ(d.detections(), 0u);
  const std::optional<ScanEvent> e = d.Observe(Hit(20 * kMs, kScanner, kTarget, 20));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, ScanEvent::Kind::kStart);
  EXPECT_EQ(e->source, kScanner);
  EXPECT_EQ(e->scan_type, ScanType::kVertical);
  EXPECT_EQ(e->distinct_ports, 20u);
  EXPECT_EQ(e->distinct_addresses, 1u);
  EXPECT_EQ(e->first_port, 1);
  EXPECT_EQ(e->last_port, 20);
  EXPECT_EQ(e->last_destination, kTarget);
  EXPECT_EQ(e->hits, 20u);
  EXPECT_EQ(e->start_ns, 1 * kMs);
  EXPECT_EQ(e->last_ns, 20 * kMs);
  EXPECT_EQ(d.detections(), 1u);
  EXPECT_EQ(d.flagged(), 1u);
  EXPECT_EQ(d.stored_entries(), 0u);  // a flagged source keeps counters only
  for (uint16_t port = 21; port < 100; ++port) {
    EXPECT_FALSE(d.Observe(Hit(port * kMs, kScanner, kTarget, port)));
  }
  EXPECT_EQ(d.detections(), 1u);
}

TEST(PortScanTest, RepeatedPortsCountOnce) {
  PortScanDetector d(Config(3, 3));
  for (int i = 0; i < 10000; ++i) {
    EXPECT_FALSE(d.Observe(Hit(i * kMs, kScanner, kTarget, 22)));
    EXPECT_FALSE(d.Observe(Hit(i * kMs, kScanner, kTarget, 23)));
  }
  EXPECT_EQ(d.detections(), 0u);
  EXPECT_EQ(d.stored_entries(), 4u);  // two ports, two pairs
}

TEST(PortScanTest, HitsSpreadBeyondTheWindowNeverFlag) {
  // One new port every 2.5 s: any 10 s window holds 4 of them, one short of min_ports.
  PortScanDetector d(Config(5, 5));
  for (uint16_t port = 1; port <= 1000; ++port) {
    EXPECT_FALSE(d.Observe(Hit(port * 2500 * kMs, kScanner, kTarget, port))) << port;
    EXPECT_TRUE(d.Expire(port * 2500 * kMs).empty());
  }
  EXPECT_EQ(d.detections(), 0u);
  EXPECT_LE(d.stored_entries(), 8u);
}

TEST(PortScanTest, SweepSpreadBeyondTheWindowNeverFlags) {
  // One new address on the same port every 2.5 s: any window holds 4 of them.
  PortScanDetector d(Config(5, 5));
  for (uint32_t i = 1; i <= 1000; ++i) {
    EXPECT_FALSE(d.Observe(Hit(i * 2500 * kMs, kScanner, Host(i), 445))) << i;
  }
  EXPECT_EQ(d.detections(), 0u);
  EXPECT_LE(d.stored_entries(), 1u + 5u);
}

TEST(PortScanTest, EntryExactlyOneWindowOldNoLongerCounts) {
  PortScanDetector d(Config(2, 2));
  EXPECT_FALSE(d.Observe(Hit(0, kScanner, kTarget, 1)));
  EXPECT_FALSE(d.Observe(Hit(kWindow, kScanner, kTarget, 2)));
  EXPECT_TRUE(d.Observe(Hit(2 * kWindow - 1, kScanner, kTarget, 3)));
}

TEST(PortScanTest, Ipv6SourceIsTracked) {
  const IpAddress src = Ip("2001:db8::bad"), dst = Ip("2001:db8::1");
  PortScanDetector d(Config(4, 4));
  for (uint16_t port = 1; port < 4; ++port) EXPECT_FALSE(d.Observe(Hit(port, src, dst, port)));
  // Same low 4 bytes in IPv4 is a different source.
  EXPECT_FALSE(d.Observe(Hit(4, IpAddress::FromV4(0x20010db8), dst, 4)));
  const std::optional<ScanEvent> e = d.Observe(Hit(5, src, dst, 4));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->source.ToString(), "2001:db8::bad");
  EXPECT_EQ(e->last_destination.ToString(), "2001:db8::1");
  EXPECT_EQ(d.tracked(), 2u);
}

TEST(PortScanTest, HorizontalFlagsExactlyAtMinAddresses) {
  PortScanDetector d(Config(20, 20));
  for (uint32_t i = 1; i < 20; ++i) EXPECT_FALSE(d.Observe(Hit(i, kScanner, Host(i), 445))) << i;
  // Repeating an address on the port adds nothing.
  EXPECT_FALSE(d.Observe(Hit(19, kScanner, Host(1), 445)));
  const std::optional<ScanEvent> e = d.Observe(Hit(20, kScanner, Host(20), 445));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->scan_type, ScanType::kHorizontal);
  EXPECT_EQ(e->distinct_addresses, 20u);
  EXPECT_EQ(e->distinct_ports, 1u);
  EXPECT_EQ(e->first_port, 445);
  EXPECT_EQ(e->last_port, 445);
  EXPECT_EQ(e->hits, 21u);
  EXPECT_EQ(d.detections(), 1u);
}

TEST(PortScanTest, SameAddressesOnDifferentPortsAreNoSweep) {
  // 10 hosts x 5 ports: 50 distinct pairs, yet no port reaches 20 addresses.
  PortScanDetector d(Config(20, 20));
  for (uint32_t host = 0; host < 10; ++host) {
    for (uint16_t port : {21, 22, 23, 25, 80})
      EXPECT_FALSE(d.Observe(Hit(1, kScanner, Host(host), port)));
  }
  EXPECT_EQ(d.detections(), 0u);
  EXPECT_LE(d.stored_entries(), 20u + 20u);
}

// nmap -p<ports> over a subnet: each host gets every port, host after host.
uint32_t HostsUntilSweepFlagged(const std::vector<uint16_t>& ports, uint32_t min_addresses) {
  PortScanDetector d(Config(20, min_addresses));
  for (uint32_t host = 1; host <= 1000; ++host) {
    for (uint16_t port : ports) {
      if (std::optional<ScanEvent> e = d.Observe(Hit(host * kMs, kScanner, Host(host), port))) {
        EXPECT_EQ(e->scan_type, ScanType::kHorizontal);
        EXPECT_EQ(e->distinct_addresses, min_addresses);
        return host;
      }
    }
  }
  return 0;
}

TEST(PortScanTest, MultiPortSweepConvergesOnOnePort) {
  // With more ports than fit, the pairs kept concentrate on one port; the lag is what the
  // O(min_addresses) per-source bound costs against an exact count.
  EXPECT_EQ(HostsUntilSweepFlagged({22}, 20), 20u);
  EXPECT_EQ(HostsUntilSweepFlagged({22, 80}, 20), 20u);
  const uint32_t three = HostsUntilSweepFlagged({22, 80, 443}, 20);
  EXPECT_EQ(three, 20u);
  const uint32_t ten = HostsUntilSweepFlagged({21, 22, 23, 25, 53, 80, 110, 143, 443, 445}, 20);
  EXPECT_EQ(ten, 20u);
}

// masscan-style: (host, port) pairs in random order. Returns the most distinct addresses the
// source had really hit on any one port when it got flagged (0: never flagged).
uint32_t TrueAddressesWhenRandomSweepFlagged(uint32_t ports, uint32_t seed) {
  std::vector<std::pair<uint32_t, uint16_t>> order;
  for (uint32_t host = 0; host < 256; ++host) {
    for (uint16_t port = 1; port <= ports; ++port) order.emplace_back(host, port);
  }
  std::mt19937 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::map<uint16_t, std::set<uint32_t>> truth;
  PortScanDetector d(Config(20, 20));
  for (const auto& [host, port] : order) {
    truth[port].insert(host);
    if (std::optional<ScanEvent> e = d.Observe(Hit(1, kScanner, Host(host), port))) {
      EXPECT_EQ(e->scan_type, ScanType::kHorizontal);
      EXPECT_EQ(truth[e->last_port].size(), 20u);  // no pair of the flagged port was lost
      size_t most = 0;
      for (const auto& [p, hosts] : truth) most = std::max(most, hosts.size());
      return static_cast<uint32_t>(most);
    }
  }
  return 0;
}

TEST(PortScanTest, RandomOrderMultiPortSweepIsFlaggedWithBoundedLag) {
  // Exact counting would flag when some port reaches 20; keeping 20 pairs costs a lag.
  for (uint32_t ports : {2u, 3u, 5u, 10u, 19u}) {
    for (uint32_t seed = 1; seed <= 20; ++seed) {
      const uint32_t seen = TrueAddressesWhenRandomSweepFlagged(ports, seed);
      EXPECT_GE(seen, 20u) << ports << " ports, seed " << seed;
      EXPECT_LE(seen, 45u) << ports << " ports, seed " << seed;
    }
  }
}

TEST(PortScanTest, EndsAfterASilentWindowAndRedetectsAsNewEpisode) {
  PortScanDetector d(Config(3, 20));
  for (uint16_t port = 1; port <= 3; ++port) d.Observe(Hit(port * kSec, kScanner, kTarget, port));
  ASSERT_EQ(d.flagged(), 1u);
  // Hits keep it flagged: one every 5 s for a minute, with a tick every second.
  for (uint64_t t = 4; t <= 60; ++t) {
    if (t % 5 == 0) {
      EXPECT_FALSE(d.Observe(Hit(t * kSec, kScanner, kTarget, 22)));
    }
    EXPECT_TRUE(d.Expire(t * kSec).empty()) << t;
  }
  EXPECT_TRUE(d.Expire(70 * kSec - 1).empty());
  std::vector<ScanEvent> ended = d.Expire(70 * kSec);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].kind, ScanEvent::Kind::kEnd);
  EXPECT_EQ(ended[0].source, kScanner);
  EXPECT_EQ(ended[0].scan_type, ScanType::kVertical);
  EXPECT_EQ(ended[0].hits, 3u + 12u);
  EXPECT_EQ(ended[0].start_ns, 1 * kSec);
  EXPECT_EQ(ended[0].last_ns, 60 * kSec);
  EXPECT_EQ(d.flagged(), 0u);
  EXPECT_EQ(d.tracked(), 0u);
  EXPECT_TRUE(d.Expire(100 * kSec).empty());

  EXPECT_FALSE(d.Observe(Hit(200 * kSec, kScanner, kTarget, 7)));
  EXPECT_FALSE(d.Observe(Hit(200 * kSec, kScanner, kTarget, 8)));
  const std::optional<ScanEvent> again = d.Observe(Hit(200 * kSec, kScanner, kTarget, 9));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->hits, 3u);
  EXPECT_EQ(again->first_port, 7);
  EXPECT_EQ(d.detections(), 2u);
}

TEST(PortScanTest, SilentEpisodeSeenFirstByObserveEndsAtNextExpire) {
  PortScanDetector d(Config(2, 20));
  d.Observe(Hit(0, kScanner, kTarget, 1));
  ASSERT_TRUE(d.Observe(Hit(0, kScanner, kTarget, 2)));
  // No Expire during the silence: the next hit starts a new run.
  EXPECT_FALSE(d.Observe(Hit(kWindow, kScanner, kTarget, 3)));
  EXPECT_EQ(d.flagged(), 0u);
  std::vector<ScanEvent> ended = d.Expire(kWindow);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].kind, ScanEvent::Kind::kEnd);
  EXPECT_EQ(ended[0].hits, 2u);
  EXPECT_TRUE(d.Observe(Hit(kWindow, kScanner, kTarget, 4)));
  EXPECT_EQ(d.detections(), 2u);
  EXPECT_EQ(d.flagged(), 1u);
}

TEST(PortScanTest, SourcesAreIndependent) {
  const IpAddress a = Ip("192.0.2.1"), b = Ip("192.0.2.2");
  PortScanDetector d(Config(5, 5));
  for (uint16_t port = 1; port < 5; ++port) {
    EXPECT_FALSE(d.Observe(Hit(port, a, kTarget, port)));
    EXPECT_FALSE(d.Observe(Hit(port, b, kTarget, port + 100)));
  }
  const std::optional<ScanEvent> e = d.Observe(Hit(5, a, kTarget, 5));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->source, a);
  EXPECT_EQ(e->hits, 5u);
  EXPECT_EQ(d.flagged(), 1u);
  ASSERT_TRUE(d.Observe(Hit(6, b, kTarget, 105)));
  EXPECT_EQ(d.flagged(), 2u);
  EXPECT_FALSE(d.Observe(Hit(7 * kSec, a, kTarget, 1)));  // a stays busy, b goes quiet
  std::vector<ScanEvent> ended = d.Expire(6 + kWindow);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].source, b);
  EXPECT_EQ(d.flagged(), 1u);
}

TEST(PortScanTest, EvictsLeastRecentlySeenSource) {
  const IpAddress a = Ip("192.0.2.1"), b = Ip("192.0.2.2"), c = Ip("192.0.2.3"),
                  e = Ip("192.0.2.4");
  PortScanDetector d(Config(3, 20, 3));
  for (const IpAddress* src : {&a, &b, &c}) {
    d.Observe(Hit(1, *src, kTarget, 1));
    d.Observe(Hit(1, *src, kTarget, 2));
  }
  d.Observe(Hit(2, a, kTarget, 2));  // a is now the most recent, b the least
  EXPECT_EQ(d.evictions(), 0u);
  d.Observe(Hit(3, e, kTarget, 1));  // evicts b
  EXPECT_EQ(d.evictions(), 1u);
  EXPECT_EQ(d.tracked(), 3u);
  EXPECT_TRUE(d.Observe(Hit(4, c, kTarget, 3)));   // c kept its two ports
  EXPECT_FALSE(d.Observe(Hit(5, b, kTarget, 3)));  // b starts over; evicts a
  EXPECT_EQ(d.evictions(), 2u);
  EXPECT_FALSE(d.Observe(Hit(6, a, kTarget, 3)));  // a starts over; evicts e
  EXPECT_EQ(d.evictions(), 3u);
  EXPECT_EQ(d.tracked(), 3u);
  EXPECT_EQ(d.flagged(), 1u);  // c
  // Evicting flagged c (least recent now) lowers flagged without an end event.
  d.Observe(Hit(7, e, kTarget, 1));
  EXPECT_EQ(d.evictions(), 4u);
  EXPECT_EQ(d.flagged(), 0u);
  EXPECT_EQ(d.detections(), 1u);
  EXPECT_TRUE(d.Expire(7 + kWindow).empty());
  EXPECT_EQ(d.tracked(), 0u);
}

TEST(PortScanTest, ShrinkingMaxSourcesEvictsAtOnce) {
  PortScanDetector d(Config(2, 20, 10));
  for (uint32_t i = 0; i < 10; ++i) {
    d.Observe(Hit(i, Host(i), kTarget, 1));
    d.Observe(Hit(i, Host(i), kTarget, 2));
  }
  ASSERT_EQ(d.flagged(), 10u);
  d.Reconfigure(Config(2, 20, 4));
  EXPECT_EQ(d.tracked(), 4u);
  EXPECT_EQ(d.evictions(), 6u);
  EXPECT_EQ(d.flagged(), 4u);
  EXPECT_EQ(d.Expire(10 + kWindow).size(), 4u);  // the 4 most recent end normally
  EXPECT_EQ(d.flagged(), 0u);
}

TEST(PortScanTest, NewThresholdsDropPartialEvidence) {
  PortScanDetector d(Config(5, 20));
  for (uint16_t port = 1; port <= 4; ++port) d.Observe(Hit(port, kScanner, kTarget, port));
  d.Reconfigure(Config(3, 20));
  EXPECT_EQ(d.stored_entries(), 0u);
  EXPECT_FALSE(d.Observe(Hit(5, kScanner, kTarget, 5)));
  EXPECT_FALSE(d.Observe(Hit(6, kScanner, kTarget, 6)));
  EXPECT_TRUE(d.Observe(Hit(7, kScanner, kTarget, 7)));
}

TEST(PortScanTest, FullPortRangeGivesOneDetectionWithBoundedState) {
  const PortScanConfig config = Config(20, 20);
  PortScanDetector d(config);
  for (uint32_t port = 1; port <= 65535; ++port) {
    d.Observe(Hit(port * 1000, kScanner, kTarget, static_cast<uint16_t>(port)));
    ASSERT_LE(d.stored_entries(), config.min_ports + config.min_addresses) << port;
  }
  EXPECT_EQ(d.detections(), 1u);
  EXPECT_EQ(d.stored_entries(), 0u);
  std::vector<ScanEvent> ended = d.Expire(65535 * 1000 + kWindow);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].hits, 65535u);
  EXPECT_EQ(ended[0].first_port, 1);
  EXPECT_EQ(ended[0].last_port, 65535);
}

TEST(PortScanTest, SpoofedSourcesStayWithinMaxSources) {
  PortScanDetector d(Config(20, 20, 1024));
  for (uint32_t i = 0; i < 100000; ++i) {
    d.Observe(Hit(i, Host(i), kTarget, static_cast<uint16_t>(i)));
    ASSERT_LE(d.tracked(), 1024u);
  }
  EXPECT_EQ(d.tracked(), 1024u);
  EXPECT_EQ(d.evictions(), 100000u - 1024u);
  EXPECT_EQ(d.detections(), 0u);
  EXPECT_EQ(d.stored_entries(), 2u * 1024u);
}

TEST(PortScanTest, OutOfOrderTimesCountAsNow) {
  PortScanDetector d(Config(3, 20));
  d.Observe(Hit(5 * kSec, kScanner, kTarget, 1));
  d.Observe(Hit(4 * kSec, kScanner, kTarget, 2));  // earlier CPU's event, drained later
  const std::optional<ScanEvent> e = d.Observe(Hit(5 * kSec, kScanner, kTarget, 3));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->start_ns, 5 * kSec);
  EXPECT_EQ(e->last_ns, 5 * kSec);
}

TEST(PortScanTest, ZeroSettingsActAsOne) {
  PortScanConfig config;
  config.min_ports = 0;
  config.min_addresses = 0;
  config.max_sources = 0;
  config.window = std::chrono::milliseconds(0);
  PortScanDetector d(config);
  EXPECT_TRUE(d.Observe(Hit(0, kScanner, kTarget, 1)));  // one port is a scan
  EXPECT_TRUE(d.Observe(Hit(0, Ip("192.0.2.99"), kTarget, 1)));
  EXPECT_EQ(d.tracked(), 1u);  // one source at most
  EXPECT_EQ(d.evictions(), 1u);
  EXPECT_EQ(d.Expire(kMs).size(), 1u);  // a 1 ms window
}

}  // namespace
}  // namespace se
