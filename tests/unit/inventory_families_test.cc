#include "collectors/inventory_families.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <set>
#include <string>
#include <vector>

#include "snapshot/inventory_snapshot.h"

namespace se {
namespace {

// Slots of ports 22, 53, 443 and 8080; slot 0 is "other".
const PortFolding kTracked({0, 22, 53, 443, 8080});

InventorySnapshot Sample() {
  InventorySnapshot s;
  s.ok = true;
  s.listeners = {
      {Protocol::kTcp, "0.0.0.0", 22, "sshd", 0, 128},
      {Protocol::kTcp, "::", 22, "sshd", 1, 128},
      {Protocol::kTcp, "0.0.0.0", 8080, "nginx", 2, 511},
      {Protocol::kTcp, "0.0.0.0", 8080, "nginx", 1, 511},  // SO_REUSEPORT twin
      {Protocol::kTcp, "127.0.0.1", 9001, "app", 3, 5},
      {Protocol::kTcp, "127.0.0.1", 9000, "app", 2, 4},
      {Protocol::kUdp, "0.0.0.0", 53, "dnsd", 0, 0},
      {Protocol::kUdp, "::ffff:127.0.0.1", 9002, "", 0, 0},
  };
  s.listeners[6].receive_queue = 768;  // dnsd's queue and buffer
  s.listeners[6].receive_limit = 212992;
  s.listeners[7].receive_limit = 4608;
  s.established = {
      {Direction::kInbound, 22, 2},    {Direction::kInbound, 9000, 1},
      {Direction::kInbound, 9001, 4},  {Direction::kOutbound, 443, 3},
      {Direction::kOutbound, 5432, 2}, {Direction::kOutbound, 6379, 1},
  };
  s.half_open = {{8080, 5}, {9000, 1}, {9001, 2}};
  return s;
}

std::string Text(const std::vector<prometheus::MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

TEST(BuildInventoryFamilies, ExactFamiliesWithUntrackedPortsSummedIntoOther) {
  const auto families = BuildInventoryFamilies(Sample(), kTracked);
  ASSERT_EQ(families.size(), 7u);
  for (const auto& f : families) EXPECT_EQ(f.type, prometheus::MetricType::Gauge) << f.name;
  EXPECT_EQ(
      Text(families),
      "# HELP socket_tcp_established TCP connections in ESTABLISHED state by direction and "
      "service port.\n"
      "# TYPE socket_tcp_established gauge\n"
      "socket_tcp_established{direction=\"inbound\",port=\"22\"} 2\n"
      "socket_tcp_established{direction=\"inbound\",port=\"other\"} 5\n"
      "socket_tcp_established{direction=\"outbound\",port=\"443\"} 3\n"
      "socket_tcp_established{direction=\"outbound\",port=\"other\"} 3\n"
      "# HELP socket_tcp_accept_queue_length Connections waiting in TCP listeners' accept "
      "queues by port.\n"
      "# TYPE socket_tcp_accept_queue_length gauge\n"
      "socket_tcp_accept_queue_length{port=\"22\"} 1\n"
      "socket_tcp_accept_queue_length{port=\"8080\"} 3\n"
      "socket_tcp_accept_queue_length{port=\"other\"} 5\n"
      "# HELP socket_tcp_accept_queue_limit Accept queue capacity (listen backlog) of TCP "
      "listeners by port.\n"
      "# TYPE socket_tcp_accept_queue_limit gauge\n"
      "socket_tcp_accept_queue_limit{port=\"22\"} 256\n"
      "socket_tcp_accept_queue_limit{port=\"8080\"} 1022\n"
      "socket_tcp_accept_queue_limit{port=\"other\"} 9\n"
      "# HELP socket_tcp_half_open Handshakes waiting for the client's final ACK (request sockets "
      "in SYN_RECV) by listening port.\n"
      "# TYPE socket_tcp_half_open gauge\n"
      "socket_tcp_half_open{port=\"8080\"} 5\n"
      "socket_tcp_half_open{port=\"other\"} 3\n"
      "# HELP socket_udp_receive_queue_bytes Memory held by datagrams waiting in bound UDP "
      "sockets' receive queues, by port (summed over the port's sockets).\n"
      "# TYPE socket_udp_receive_queue_bytes gauge\n"
      "socket_udp_receive_queue_bytes{port=\"53\"} 768\n"
      "socket_udp_receive_queue_bytes{port=\"other\"} 0\n"
      "# HELP socket_udp_receive_queue_limit_bytes Receive buffer limits (SO_RCVBUF) of bound UDP "
      "sockets by port: a datagram arriving at a full queue is dropped (receive_buffer).\n"
      "# TYPE socket_udp_receive_queue_limit_bytes gauge\n"
      "socket_udp_receive_queue_limit_bytes{port=\"53\"} 212992\n"
      "socket_udp_receive_queue_limit_bytes{port=\"other\"} 4608\n"
      "# HELP socket_listener_info Listening TCP sockets and bound unconnected UDP sockets "
      "with their owning process; always 1.\n"
      "# TYPE socket_listener_info gauge\n"
      "socket_listener_info{protocol=\"tcp\",address=\"0.0.0.0\",port=\"22\",process=\"sshd\"} 1\n"
      "socket_listener_info{protocol=\"tcp\",address=\"0.0.0.0\",port=\"8080\",process=\"nginx\"} "
      "1\n"
      "socket_listener_info{protocol=\"tcp\",address=\"127.0.0.1\",port=\"9000\",process=\"app\"} "
      "1\n"
      "socket_listener_info{protocol=\"tcp\",address=\"127.0.0.1\",port=\"9001\",process=\"app\"} "
      "1\n"
      "socket_listener_info{protocol=\"tcp\",address=\"::\",port=\"22\",process=\"sshd\"} 1\n"
      "socket_listener_info{protocol=\"udp\",address=\"0.0.0.0\",port=\"53\",process=\"dnsd\"} 1\n"
      "socket_listener_info{protocol=\"udp\",address=\"::ffff:127.0.0.1\",port=\"9002\",process="
      "\"\"} 1\n");
}

TEST(BuildInventoryFamilies, EmptySnapshotStillDeclaresEveryFamily) {
  InventorySnapshot s;
  s.ok = true;
  const auto families = BuildInventoryFamilies(s, kTracked);
  std::vector<std::string> names;
  for (const auto& f : families) {
    names.push_back(f.name);
    EXPECT_TRUE(f.metric.empty()) << f.name;
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"socket_tcp_established", "socket_tcp_accept_queue_length",
                                      "socket_tcp_accept_queue_limit", "socket_tcp_half_open",
                                      "socket_udp_receive_queue_bytes",
                                      "socket_udp_receive_queue_limit_bytes",
                                      "socket_listener_info"}));
}

TEST(BuildInventoryFamilies, FailedSnapshotEmitsNothing) {
  InventorySnapshot s = Sample();
  s.ok = false;
  s.error = "sock_diag dump failed";
  EXPECT_TRUE(BuildInventoryFamilies(s, kTracked).empty());
}

TEST(BuildInventoryFamilies, PortLabelsSortNumericallyWithOtherLast) {
  InventorySnapshot s;
  s.ok = true;
  s.established = {
      {Direction::kOutbound, 10000, 1}, {Direction::kOutbound, 9, 1}, {Direction::kOutbound, 1, 1}};
  const PortFolding tracked({0, 9, 10000});  // port 1 folds into "other"
  const auto families = BuildInventoryFamilies(s, tracked);
  std::vector<std::string> ports;
  for (const auto& m : families[0].metric) ports.push_back(m.label[1].value);
  EXPECT_EQ(ports, (std::vector<std::string>{"9", "10000", "other"}));
}

SocketRecord Tcp(uint8_t state, uint16_t local_port, uint16_t remote_port) {
  SocketRecord r;
  r.state = state;
  r.local_port = local_port;
  r.remote_port = remote_port;
  return r;
}

TEST(DirectionRule, LocalPortOfAListenerMeansInbound) {
  const std::unordered_set<uint16_t> listen = {80};
  EXPECT_EQ(ClassifyEstablished(Tcp(kTcpEstablished, 80, 50000), listen), Direction::kInbound);
  EXPECT_EQ(ClassifyEstablished(Tcp(kTcpEstablished, 50000, 80), listen), Direction::kOutbound);
  EXPECT_EQ(ClassifyEstablished(Tcp(kTcpEstablished, 40000, 443), {}), Direction::kOutbound);
}

TEST(DirectionRule, CountsUseServicePortAndMergeAcrossCalls) {
  const std::vector<SocketRecord> listeners = {Tcp(kTcpListen, 80, 0)};
  std::vector<EstablishedCount> counts;
  CountEstablished({Tcp(kTcpEstablished, 80, 50000), Tcp(kTcpEstablished, 80, 50001),
                    Tcp(kTcpEstablished, 50000, 80), Tcp(kTcpEstablished, 40000, 443)},
                   listeners, &counts);
  // Another namespace without a listener on 80: its socket on local port 80 is outbound.
  CountEstablished({Tcp(kTcpEstablished, 80, 443)}, {}, &counts);
  EXPECT_EQ(counts, (std::vector<EstablishedCount>{{Direction::kInbound, 80, 2},
                                                   {Direction::kOutbound, 80, 1},
                                                   {Direction::kOutbound, 443, 2}}));
}

}  // namespace
}  // namespace se
