// SYNs that reach a listening socket, counted per port at packet level, at each of the two hooks
// (cgroup_skb ingress on the cgroup v2 root, TC ingress on the namespace's interfaces).
#include <gtest/gtest.h>

#include <cerrno>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

constexpr char kSyns[] = "socket_tcp_syns_received_total";

class ExporterSynTest : public NamespacedExporterTest,
                        public ::testing::WithParamInterface<SynHookParam> {
 protected:
  ::testing::AssertionResult StartExporter() {
    return NamespacedExporterTest::StartExporter({GetParam().flag});
  }
};

TEST_P(ExporterSynTest, CountsEverySynThatReachesAListenerOverIpv4AndIpv6) {
  ASSERT_TRUE(StartExporter());
  constexpr uint16_t kPort4 = 7050, kPort6 = 7051, kClosed = 7052;
  constexpr int kConnects4 = 9, kConnects6 = 4, kRefused = 3;
  UniqueFd l4, l6;
  std::vector<UniqueFd> c4, c6;
  std::map<int, int> refused;
  ns_.RunIn([&] {
    l4 = ListenTcp({kLoopback4, kPort4}, 32);
    l6 = ListenTcp({kLoopback6, kPort6}, 32);
    c4 = OpenConnections({kLoopback4, kPort4}, kConnects4);
    c6 = OpenConnections({kLoopback6, kPort6}, kConnects6);
    refused = ConnectMany({kLoopback4, kClosed}, kRefused, {}, std::chrono::seconds(5));
  });
  ASSERT_EQ(c4.size(), static_cast<size_t>(kConnects4));
  ASSERT_EQ(c6.size(), static_cast<size_t>(kConnects6));
  ASSERT_EQ(refused, (std::map<int, int>{{ECONNREFUSED, kRefused}}));

  // SYNs to the closed port reach no listener: they show up as resets sent, not here.
  const ExpectedValues want = {
      {kSyns, PortLabels(kPort4), kConnects4},
      {kSyns, PortLabels(kPort6), kConnects6},
      {"socket_tcp_resets_sent_total",
       PortLabels(kClosed, {{"direction", "inbound"}, {"reason", "no_socket"}}), kRefused},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kSyns), kConnects4 + kConnects6) << m.Dump(kSyns);
  EXPECT_EQ(m.Value("socket_exporter_probe_attached", {{"probe", GetParam().probe}}), 1);
}

TEST_P(ExporterSynTest, SynsInAnotherNamespaceAreNotCounted) {
  ASSERT_TRUE(StartExporter());
  Netns other("syn-other");
  constexpr uint16_t kPort = 7053;
  UniqueFd mine, theirs;
  std::vector<UniqueFd> a, b;
  other.RunIn([&] {
    theirs = ListenTcp({kLoopback4, kPort}, 16);
    b = OpenConnections({kLoopback4, kPort}, 5);
  });
  ns_.RunIn([&] {
    mine = ListenTcp({kLoopback4, kPort}, 16);
    a = OpenConnections({kLoopback4, kPort}, 2);
  });
  const ExpectedValues want = {{kSyns, PortLabels(kPort), 2}};
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Sum(kSyns), 2) << m.Dump(kSyns);
}

INSTANTIATE_TEST_SUITE_P(Hooks, ExporterSynTest, ::testing::ValuesIn(kSynHooks), SynHookName);

}  // namespace
}  // namespace se::test
