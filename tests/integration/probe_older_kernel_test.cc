// The forms of the programs for kernels older than this one, loaded and run on this kernel:
// kfree_skb without its receiving socket (before 6.11) counts UDP receive-buffer drops and
// datagrams to closed ports at the datagrams' own ports, exactly as the namespace's counters;
// without sock:sock_send_length (before 6.3) the UDP send counter is left out and the rest
// attaches.
#include <gtest/gtest.h>

#include <string>

#include "harness/namespaced_test.h"
#include "harness/netns.h"
#include "harness/syn_traffic.h"
#include "harness/udp_traffic.h"
#include "probes/tcp_events_probe.h"

namespace se::test {
namespace {

const se_port_counters* CountersOf(const KernelSnapshot& snap, const std::string& port) {
  for (const LabelledCounters& c : snap.counters)
    if (c.port == port) return &c.counters;
  return nullptr;
}

TEST(ProbeOlderKernelTest, KfreeSkbWithoutItsSocketCountsDropsAtTheDatagramsPorts) {
  Netns server(CurrentTestTag()), client(CurrentTestTag() + "-c");
  LinkByVeth(server, client);
  TcpEventsConfig config;
  config.netns_ino = static_cast<uint32_t>(server.Inode());
  config.max_slots = 8;
  config.tracepoints = KernelTracepoints{.sock_send_length = false, .kfree_skb_args = 3};
  std::string error;
  const std::unique_ptr<TcpEventsProbe> probe = TcpEventsProbe::Open(config, &error);
  ASSERT_TRUE(probe) << error;
  ASSERT_TRUE(probe->Attach(true, DefaultAttach(), &error)) << error;
  for (const ProgramStats& p : probe->Snapshot().programs) {
    EXPECT_NE(p.probe, "udp_send");
    EXPECT_TRUE(p.attached) << p.probe;
  }

  constexpr uint16_t kPort = 5371, kClosed = 5372;
  constexpr int kBurst = 200, kToClosed = 7;
  UniqueFd never_reads, sender;
  server.RunIn([&] {
    never_reads = BindUdp({VethLink::kServer4, kPort});
    SetReceiveBuffer(never_reads.get(), 2048);
  });
  client.RunIn([&] { sender = BindUdp({VethLink::kClient4, 0}); });
  const uint64_t rcvbuf_before = Nstat(server, "UdpRcvbufErrors");
  const uint64_t noports_before = Nstat(server, "UdpNoPorts");
  ASSERT_EQ(SendDatagrams(sender.get(), {VethLink::kServer4, kPort}, kBurst, 64), kBurst);
  ASSERT_EQ(SendDatagrams(sender.get(), {VethLink::kServer4, kClosed}, kToClosed, 8), kToClosed);
  const uint64_t rcvbuf = Nstat(server, "UdpRcvbufErrors") - rcvbuf_before;
  ASSERT_GT(rcvbuf, 0u) << "the queue never filled";

  const KernelSnapshot snap = probe->Snapshot();
  const se_port_counters* port = CountersOf(snap, std::to_string(kPort));
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->udp_drops[SE_UDP_DROP_RCVBUF], rcvbuf);
  EXPECT_EQ(port->udp_received_datagrams[SE_DIR_INBOUND], static_cast<uint64_t>(kBurst));
  uint64_t no_socket = 0, sent = 0;
  for (const LabelledCounters& c : snap.counters) {
    no_socket += c.counters.udp_no_socket;
    sent += c.counters.udp_sent_datagrams[SE_DIR_INBOUND] +
            c.counters.udp_sent_datagrams[SE_DIR_OUTBOUND];
  }
  EXPECT_EQ(no_socket, Nstat(server, "UdpNoPorts") - noports_before);
  EXPECT_EQ(no_socket, static_cast<uint64_t>(kToClosed));
  EXPECT_EQ(sent, 0u);  // no UDP send counter on such a kernel
}

}  // namespace
}  // namespace se::test
