// socket_listener_info: one series per listening TCP and bound UDP socket, naming its owner.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

constexpr char kInfo[] = "socket_listener_info";

Labels Listener(const char* protocol, const char* address, uint16_t port) {
  return {{"protocol", protocol},
          {"address", address},
          {"port", std::to_string(port)},
          {"process", ProcessComm(getpid())}};
}

class ExporterListenerTest : public NamespacedExporterTest {};

TEST_F(ExporterListenerTest, ListenerInfoNamesTheTestProcessForEachListeningSocket) {
  ASSERT_TRUE(StartExporter());
  UniqueFd tcp4, tcp6, udp4, connected_udp;
  ns_.RunIn([&] {
    tcp4 = ListenTcp({kLoopback4, 7201}, 16);
    tcp6 = ListenTcp({kLoopback6, 7202}, 16);
    udp4 = BindUdp({kLoopback4, 7203});
    // A connected UDP socket is a client, not a listener.
    connected_udp = BindUdp({kLoopback4, 7204});
    ASSERT_TRUE(ConnectUdp(connected_udp.get(), {kLoopback4, 7203}));
  });
  const ExpectedValues want = {
      {kInfo, Listener("tcp", kLoopback4, 7201), 1},
      {kInfo, Listener("tcp", kLoopback6, 7202), 1},
      {kInfo, Listener("udp", kLoopback4, 7203), 1},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  EXPECT_EQ(m.Matching(kInfo).size(), 3u) << m.Dump(kInfo);
  EXPECT_EQ(m.Type(kInfo), "gauge");
}

TEST_F(ExporterListenerTest, ListenerInfoDisappearsWhenTheListenerCloses) {
  ASSERT_TRUE(StartExporter());
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({kLoopback4, 7205}, 16); });
  const Labels labels = Listener("tcp", kLoopback4, 7205);
  ParsedMetrics m =
      exporter_->ScrapeUntil([&](const ParsedMetrics& s) { return s.Has(kInfo, labels); });
  EXPECT_EQ(m.Value(kInfo, labels), 1) << m.Dump(kInfo);
  listener.reset();
  m = exporter_->ScrapeUntil([&](const ParsedMetrics& s) { return !s.Has(kInfo, labels); });
  EXPECT_FALSE(m.Has(kInfo, labels)) << m.Dump(kInfo);
}

}  // namespace
}  // namespace se::test
