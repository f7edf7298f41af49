#include "collectors/inventory_families.h"

#include <map>
#include <set>
#include <tuple>

#include "collectors/families.h"

namespace se {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily BuildListenerInfo(const InventorySnapshot& snap) {
  // Sorted and deduplicated: identical sockets (SO_REUSEPORT groups, forks) make one series.
  std::set<std::tuple<Protocol, std::string, uint16_t, std::string>> unique;
  for (const auto& l : snap.listeners) unique.emplace(l.protocol, l.address, l.port, l.process);
  auto f = MakeFamily("socket_listener_info",
                      "Listening TCP sockets and bound unconnected UDP sockets with their owning "
                      "process; always 1.",
                      MetricType::Gauge);
  for (const auto& [protocol, address, port, process] : unique) {
    AddGauge(&f,
             {{"protocol", ProtocolName(protocol)},
              {"address", address},
              {"port", std::to_string(port)},
              {"process", process}},
             1);
  }
  return f;
}

const char* DirectionName(Direction d) { return d == Direction::kInbound ? "inbound" : "outbound"; }

MetricFamily BuildEstablished(const PortGaugeMap& gauges) {
  auto f = MakeFamily("socket_tcp_established",
                      "TCP connections in ESTABLISHED state by direction and service port.",
                      MetricType::Gauge);
  for (Direction dir : {Direction::kInbound, Direction::kOutbound}) {
    for (const auto& [port, g] : gauges) {
      const uint64_t n = g.established[static_cast<int>(dir)];
      if (n)
        AddGauge(&f, {{"direction", DirectionName(dir)}, {"port", port}}, static_cast<double>(n));
    }
  }
  return f;
}

std::vector<MetricFamily> BuildAcceptQueues(const PortGaugeMap& gauges) {
  auto f_length =
      MakeFamily("socket_tcp_accept_queue_length",
                 "Connections waiting in TCP listeners' accept queues by port.", MetricType::Gauge);
  auto f_limit = MakeFamily("socket_tcp_accept_queue_limit",
                            "Accept queue capacity (listen backlog) of TCP listeners by port.",
                            MetricType::Gauge);
  for (const auto& [port, g] : gauges) {
    if (!g.tcp_listener) continue;
    AddGauge(&f_length, {{"port", port}}, static_cast<double>(g.accept_queue_length));
    AddGauge(&f_limit, {{"port", port}}, static_cast<double>(g.accept_queue_limit));
  }
  return {f_length, f_limit};
}

std::vector<MetricFamily> BuildUdpQueues(const PortGaugeMap& gauges) {
  auto f_bytes = MakeFamily("socket_udp_receive_queue_bytes",
                            "Memory held by datagrams waiting in bound UDP sockets' receive "
                            "queues, by port (summed over the port's sockets).",
                            MetricType::Gauge);
  auto f_limit = MakeFamily("socket_udp_receive_queue_limit_bytes",
                            "Receive buffer limits (SO_RCVBUF) of bound UDP sockets by port: a "
                            "datagram arriving at a full queue is dropped (receive_buffer).",
                            MetricType::Gauge);
  for (const auto& [port, g] : gauges) {
    if (!g.udp_socket) continue;
    AddGauge(&f_bytes, {{"port", port}}, static_cast<double>(g.udp_receive_queue));
    AddGauge(&f_limit, {{"port", port}}, static_cast<double>(g.udp_receive_limit));
  }
  return {f_bytes, f_limit};
}

MetricFamily BuildHalfOpen(const PortGaugeMap& gauges) {
  auto f = MakeFamily("socket_tcp_half_open",
                      "Handshakes waiting for the client's final ACK (request sockets in SYN_RECV) "
                      "by listening port.",
                      MetricType::Gauge);
  for (const auto& [port, g] : gauges) {
    if (g.half_open) AddGauge(&f, {{"port", port}}, static_cast<double>(g.half_open));
  }
  return f;
}

MetricFamily BuildListenDropsFrom(const PortGaugeMap& gauges) {
  auto f = MakeFamily("socket_tcp_listen_drops_total",
                      "Handshakes dropped by TCP listeners because a queue was full (the "
                      "listeners' drop counters).",
                      MetricType::Counter);
  for (const auto& [port, g] : gauges) {
    if (g.tcp_listener || g.listen_drops)
      AddCounter(&f, {{"port", port}}, static_cast<double>(g.listen_drops));
  }
  return f;
}

std::vector<MetricFamily> BuildFromGauges(const InventorySnapshot& snapshot,
                                          const PortGaugeMap& gauges) {
  std::vector<MetricFamily> out;
  out.push_back(BuildEstablished(gauges));
  for (auto& f : BuildAcceptQueues(gauges)) out.push_back(std::move(f));
  out.push_back(BuildHalfOpen(gauges));
  for (auto& f : BuildUdpQueues(gauges)) out.push_back(std::move(f));
  out.push_back(BuildListenerInfo(snapshot));
  return out;
}

}  // namespace

PortGaugeMap FoldInventory(const InventorySnapshot& snap, const PortFolding& ports,
                           const std::vector<LabelledCounters>& kernel_counters) {
  PortGaugeMap gauges;
  for (const auto& e : snap.established)
    gauges[ports.Label(e.port)].established[static_cast<int>(e.dir)] += e.count;
  for (const auto& l : snap.listeners) {
    if (l.protocol == Protocol::kUdp) {
      PortGauges& g = gauges[ports.Label(l.port)];
      g.udp_socket = true;
      g.udp_receive_queue += l.receive_queue;
      g.udp_receive_limit += l.receive_limit;
    }
    if (l.protocol != Protocol::kTcp) continue;
    PortGauges& g = gauges[ports.Label(l.port)];
    g.tcp_listener = true;
    g.accept_queue_length += l.accept_queue;
    g.accept_queue_limit += l.accept_limit;
    g.listen_drops += l.drops;
  }
  for (const auto& h : snap.half_open) gauges[ports.Label(h.port)].half_open += h.count;
  for (const auto& c : kernel_counters) {
    if (c.counters.closed_listener_drops)
      gauges[c.port].listen_drops += c.counters.closed_listener_drops;
  }
  return gauges;
}

MetricFamily BuildListenDrops(const InventorySnapshot& snapshot, const PortFolding& ports,
                              const std::vector<LabelledCounters>& kernel_counters) {
  return BuildListenDropsFrom(FoldInventory(snapshot, ports, kernel_counters));
}

std::vector<MetricFamily> BuildInventoryFamilies(const InventorySnapshot& snapshot,
                                                 const PortFolding& ports) {
  if (!snapshot.ok) return {};
  return BuildFromGauges(snapshot, FoldInventory(snapshot, ports, {}));
}

CollectorResult CollectInventory(const InventorySnapshot& snapshot, const KernelSnapshot& kernel) {
  if (!snapshot.ok) return Failed("socket inventory: " + snapshot.error);
  const PortGaugeMap gauges = FoldInventory(snapshot, kernel.ports, kernel.counters);
  std::vector<MetricFamily> out = BuildFromGauges(snapshot, gauges);
  out.push_back(BuildListenDropsFrom(gauges));
  return Succeeded(std::move(out));
}

}  // namespace se
