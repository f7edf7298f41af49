// Port scans end to end: crafted SYNs from a client namespace to closed ports of the server
// namespace. The kernel answers each with a RST (no socket); the exporter receives each as a
// rare event and flags sources that touch many closed ports, or one port on many addresses.
#include <gtest/gtest.h>

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <optional>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"
#include "harness/veth_test.h"

// Whether this binary, and so the exporter of the same build tree, runs under AddressSanitizer
// or ThreadSanitizer.
#if defined(__SANITIZE_ADDRESS__)
#define SE_TEST_ASAN 1
#elif defined(__SANITIZE_THREAD__)
#define SE_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SE_TEST_ASAN 1
#elif __has_feature(thread_sanitizer)
#define SE_TEST_TSAN 1
#endif
#endif

namespace se::test {
namespace {

constexpr char kScans[] = "socket_port_scans_detected_total";
constexpr char kFlagged[] = "socket_port_scan_sources";
constexpr char kNoSocket[] = "socket_tcp_resets_sent_total";
const Labels kTcp = {{"protocol", "tcp"}};

class ExporterPortScanTest : public VethExporterTest {
 protected:
  // Starts the exporter with this YAML as --config.file.
  ::testing::AssertionResult StartWithConfig(const std::string& yaml,
                                             std::vector<std::string> extra = {}) {
    config_ = MakeTempFile("se-config");
    std::ofstream(config_) << yaml;
    extra.push_back("--config.file=" + config_);
    return StartExporter(extra);
  }
  // Waits until every sent SYN has been answered (RSTs counted), then returns that scrape.
  ParsedMetrics ScrapeAfterResets(double resets) {
    return exporter_->ScrapeUntil([&](const ParsedMetrics& m) {
      return m.Sum(kNoSocket, {{"reason", "no_socket"}}) >= resets;
    });
  }
  // Resident memory of the exporter in KiB.
  long RssKib() const {
    std::ifstream status("/proc/" + std::to_string(exporter_->pid()) + "/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
  }
  std::string config_;
};

// Appends options to ASAN_OPTIONS for the exporters started in its lifetime (they inherit the
// environment and read it at start-up; later options win), then puts the old value back.
class ScopedAsanOptions {
 public:
  explicit ScopedAsanOptions(const std::string& options) {
    const char* old = std::getenv("ASAN_OPTIONS");
    if (old != nullptr) old_ = old;
    const std::string value = old_ ? *old_ + ":" + options : options;
    setenv("ASAN_OPTIONS", value.c_str(), 1);
  }
  ~ScopedAsanOptions() {
    if (old_) {
      setenv("ASAN_OPTIONS", old_->c_str(), 1);
    } else {
      unsetenv("ASAN_OPTIONS");
    }
  }
  ScopedAsanOptions(const ScopedAsanOptions&) = delete;
  ScopedAsanOptions& operator=(const ScopedAsanOptions&) = delete;

 private:
  std::optional<std::string> old_;
};

TEST_F(ExporterPortScanTest, SourceTouchingTwentyClosedPortsIsFlaggedNineteenIsNot) {
  ASSERT_TRUE(StartExporter());
  // Near miss first: 19 distinct ports from one source, then the scan: 20 from another.
  SendSpoofedSyns(client_, {.dst = VethLink::kServer4,
                            .port_first = 7100,
                            .port_last = 7118,
                            .count = 19,
                            .src = "10.201.1.1"});
  ParsedMetrics m = ScrapeAfterResets(19);
  EXPECT_EQ(m.Value(kScans, kTcp), 0);
  SendSpoofedSyns(client_, {.dst = VethLink::kServer4,
                            .port_first = 7200,
                            .port_last = 7219,
                            .count = 20,
                            .src = "10.201.2.2"});
  m = ScrapeAfterResets(39);
  const ExpectedValues want = {{kScans, kTcp, 1}, {kFlagged, kTcp, 1}};
  m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kNoSocket, {{"reason", "no_socket"}}), 39);
  EXPECT_EQ(m.Value("socket_exporter_events_lost_total", {}), 0);
  const std::string log = exporter_->Stderr();
  EXPECT_NE(log.find("rule=port_scan"), std::string::npos) << log;
  EXPECT_NE(log.find("src=10.201.2.2 src_port=0 dst=10.200.0.1 dst_port=7219"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("src=10.201.1.1"), std::string::npos) << log;
}

TEST_F(ExporterPortScanTest, Ipv6ScanAcrossTheWholePortRangeIsOneEpisode) {
  ASSERT_TRUE(StartExporter());
  // Every port but the one we might listen on, once, from one IPv6 source.
  SendSpoofedSyns(client_, {.dst = VethLink::kServer6,
                            .port_first = 1,
                            .port_last = 65535,
                            .count = 65535,
                            .src = "fd00:201::7",
                            .rate = 20000});
  const ParsedMetrics m = ScrapeAfterResets(65535);
  EXPECT_EQ(m.Sum(kNoSocket, {{"reason", "no_socket"}}), 65535);
  EXPECT_EQ(m.Value(kScans, kTcp), 1);
  EXPECT_EQ(m.Value(kFlagged, kTcp), 1);
  EXPECT_EQ(m.Value("socket_exporter_events_lost_total", {}), 0);
  EXPECT_NE(exporter_->Stderr().find("src=fd00:201::7"), std::string::npos);
}

TEST_F(ExporterPortScanTest, SweepOfOnePortAcrossTwentyAddressesIsFlagged) {
  constexpr int kAddresses = 20;
  for (int i = 0; i < kAddresses; ++i)
    ns_.Ip({"addr", "add", "10.200.0." + std::to_string(100 + i) + "/32", "dev", "se0"});
  ASSERT_TRUE(StartExporter());
  // Near miss: 19 addresses; then the sweep over all 20 from another source.
  SendSpoofedSyns(client_, {.dst = "10.200.0.100",
                            .port_first = 7300,
                            .count = 19,
                            .src = "10.201.3.3",
                            .dst_count = 19});
  ParsedMetrics m = ScrapeAfterResets(19);
  EXPECT_EQ(m.Value(kScans, kTcp), 0);
  SendSpoofedSyns(client_, {.dst = "10.200.0.100",
                            .port_first = 7300,
                            .count = kAddresses,
                            .src = "10.201.4.4",
                            .dst_count = kAddresses});
  const ExpectedValues want = {{kScans, kTcp, 1}, {kFlagged, kTcp, 1}};
  m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_NE(exporter_->Stderr().find("scan_type=horizontal"), std::string::npos);
}

// 40000 distinct spoofed sources, one closed port each: none is a scan, the tracking table
// stays at its bound and every eviction is counted.
TEST_F(ExporterPortScanTest, ManySpoofedSourcesStayWithinTheTrackingBound) {
  // 64 sources of at most 20 ports and 20 pairs each: well under a MiB, whatever came in;
  // tracking all 40000 grows the exporter by about 19 MiB.
  long rss_limit_kib = 4096;
#ifdef SE_TEST_ASAN
  // AddressSanitizer keeps freed memory in a quarantine (256 MiB by default), so the exporter's
  // RSS would grow with every event and scrape it handles (40 MiB here), bound table or not.
  // This exporter gets a 1 MiB quarantine (and 256 KiB per thread); its growth is then about
  // 7 MiB (redzones, shadow memory, the small quarantine). The limit allows 8 MiB for that,
  // still well under the 19 MiB (more under ASan) an unbounded table adds on top of it.
  const ScopedAsanOptions asan("quarantine_size_mb=1:thread_local_quarantine_size_kb=256");
  rss_limit_kib += 8192;
#elif defined(SE_TEST_TSAN)
  // ThreadSanitizer adds shadow memory (twice the application's bytes, and more for its
  // metadata) for everything the exporter touches: about 17 MiB of growth here. The limit allows
  // 20 MiB for that; an unbounded table adds its 19 MiB and their shadow (about 57 MiB) on top.
  rss_limit_kib += 20480;
#endif
  ASSERT_TRUE(StartWithConfig("port_scan:\n  max_sources: 64\n"));
  constexpr int kSources = 40000;
  const long rss_before = RssKib();
  SendSpoofedSyns(client_, {.dst = VethLink::kServer4,
                            .port_first = 7400,
                            .port_last = 7409,
                            .count = kSources,
                            .src = "10.201.0.0/16",
                            .rate = 20000,
                            .sequential_sources = true});
  const ParsedMetrics m = ScrapeAfterResets(kSources);
  const double lost = m.Value("socket_exporter_events_lost_total", {});
  EXPECT_EQ(lost, 0);
  const ExpectedValues want = {
      {"socket_exporter_tracked_sources_evicted_total", {}, kSources - lost - 64}};
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
  EXPECT_EQ(m.Value(kScans, kTcp), 0);
  EXPECT_EQ(m.Value(kFlagged, kTcp), 0);
  EXPECT_LT(RssKib() - rss_before, rss_limit_kib) << "RSS grew from " << rss_before << " KiB";
}

// With the exporter stopped, the 1 MiB ring holds exactly 13107 events of 80 bytes (72 plus
// the ring's 8-byte header); every further event is counted as lost, none twice.
TEST_F(ExporterPortScanTest, EventsTheFullRingCannotTakeAreCountedExactly) {
  ASSERT_TRUE(StartExporter());
  constexpr int kSent = 20000, kRingEvents = (1 << 20) / 80;
  ASSERT_EQ(kill(exporter_->pid(), SIGSTOP), 0);
  SendSpoofedSyns(client_, {.dst = VethLink::kServer4, .port_first = 7500, .port_last = 7599,
                            .count = kSent, .src = "10.201.0.0/16", .rate = 40000});
  ASSERT_EQ(kill(exporter_->pid(), SIGCONT), 0);
  const ExpectedValues want = {
      {"socket_exporter_events_lost_total", {}, kSent - kRingEvents},
      {kNoSocket, {{"direction", "inbound"}, {"port", "other"}, {"reason", "no_socket"}}, kSent}};
  ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
}

}  // namespace
}  // namespace se::test
