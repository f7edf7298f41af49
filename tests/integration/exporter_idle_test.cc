// What an idle exporter does: the detector tick reads only what the detectors need, and the
// process table (a walk of every process's fds) is read only for a listener not seen before.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/netns.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using std::chrono::milliseconds;

constexpr char kInfo[] = "socket_listener_info";

class ExporterIdleTest : public NamespacedExporterTest {
 protected:
  // Lines with this message so far in the exporter's debug log.
  static int Count(const ExporterProcess& exporter, const std::string& msg) {
    int n = 0;
    const std::string err = exporter.Stderr();
    const std::string needle = "msg=\"" + msg + "\"";
    for (size_t at = 0; (at = err.find(needle, at)) != std::string::npos; ++at) ++n;
    return n;
  }
  int Scans() const { return Count(*exporter_, "scanning socket owners"); }
  Labels Listener(uint16_t port) const {
    return {{"protocol", "tcp"},
            {"address", kLoopback4},
            {"port", std::to_string(port)},
            {"process", ProcessComm(getpid())}};
  }
};

TEST_F(ExporterIdleTest, SocketOwnersAreScannedOnceForEachNewListenerAndNeverWhileIdle) {
  UniqueFd first, second;
  ns_.RunIn([&] { first = ListenTcp({kLoopback4, 7301}, 16); });
  ASSERT_TRUE(StartExporter({"--log.level=debug"}));
  const int at_start = Scans();
  EXPECT_GE(at_start, 1) << exporter_->Stderr();  // the listeners found at start-up
  // Ticks (every second) and a scrape over the same listeners scan nothing.
  std::this_thread::sleep_for(milliseconds(2500));
  ExpectValues(exporter_->Scrape(), {{kInfo, Listener(7301), 1}});
  EXPECT_EQ(Scans(), at_start);

  ns_.RunIn([&] { second = ListenTcp({kLoopback4, 7302}, 16); });
  const ExpectedValues both = {{kInfo, Listener(7301), 1}, {kInfo, Listener(7302), 1}};
  ExpectValues(exporter_->ScrapeUntil(Reached(both)), both);
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_EQ(Scans(), at_start + 1) << "one scan for the new listener, whoever saw it first";

  second.reset();  // fewer listeners: nothing new to look for
  exporter_->ScrapeUntil([&](const ParsedMetrics& m) { return !m.Has(kInfo, Listener(7302)); });
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(Scans(), at_start + 1);
}

// With --netns=all, the detector looks for new namespaces (a stat of every process's
// /proc/PID/ns/net) only when the kernel saw a listen() in a namespace it does not know.
TEST_F(ExporterIdleTest, NamespacesAreLookedForOnlyWhenSomethingListensInANewOne) {
  ExporterProcess exporter({"--netns=all", "--log.level=debug"}, &ns_);
  ASSERT_TRUE(exporter.Start());
  std::this_thread::sleep_for(milliseconds(1500));  // the first tick has looked
  const int at_start = Count(exporter, "looking for network namespaces");
  UniqueFd known, fresh;
  ns_.RunIn([&] { known = ListenTcp({kLoopback4, 7303}, 16); });
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_EQ(Count(exporter, "looking for network namespaces"), at_start)
      << "a listener in a namespace already known" << exporter.Stderr();

  Netns other("idle-new");
  other.RunIn([&] { fresh = ListenTcp({kLoopback4, 7304}, 16); });
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_EQ(Count(exporter, "looking for network namespaces"), at_start + 1) << exporter.Stderr();
  EXPECT_EQ(exporter.Stop(), 0);
}

}  // namespace
}  // namespace se::test
