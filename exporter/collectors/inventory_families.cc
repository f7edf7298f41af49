#include "collectors/inventory_families.h"

#include <map>
#include <set>
#include <tuple>

#include "collectors/families.h"

namespace se {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

using PortSums = std::map<std::string, uint64_t, PortLabelLess>;

const char* DirectionName(Direction d) { return d == Direction::kInbound ? "inbound" : "outbound"; }

MetricFamily BuildEstablished(const InventorySnapshot& snap, const PortFolding& ports) {
  std::map<Direction, PortSums> sums;
  for (const auto& e : snap.established) sums[e.dir][ports.Label(e.port)] += e.count;
  auto f = MakeFamily("socket_tcp_established",
                      "TCP connections in ESTABLISHED state by direction and service port.",
                      MetricType::Gauge);
  for (const auto& [dir, by_port] : sums) {
    for (const auto& [port, count] : by_port)
      AddGauge(&f, {{"direction", DirectionName(dir)}, {"port", port}}, static_cast<double>(count));
  }
  return f;
}

std::vector<MetricFamily> BuildAcceptQueues(const InventorySnapshot& snap,
                                            const PortFolding& ports) {
  PortSums length;
  PortSums limit;
  for (const auto& l : snap.listeners) {
    if (l.protocol != Protocol::kTcp) continue;
    const std::string port = ports.Label(l.port);
    length[port] += l.accept_queue;
    limit[port] += l.accept_limit;
  }
  auto f_length =
      MakeFamily("socket_tcp_accept_queue_length",
                 "Connections waiting in TCP listeners' accept queues by port.", MetricType::Gauge);
  auto f_limit = MakeFamily("socket_tcp_accept_queue_limit",
                            "Accept queue capacity (listen backlog) of TCP listeners by port.",
                            MetricType::Gauge);
  for (const auto& [port, v] : length)
    AddGauge(&f_length, {{"port", port}}, static_cast<double>(v));
  for (const auto& [port, v] : limit) AddGauge(&f_limit, {{"port", port}}, static_cast<double>(v));
  return {f_length, f_limit};
}

MetricFamily BuildHalfOpen(const InventorySnapshot& snap, const PortFolding& ports) {
  PortSums sums;
  for (const auto& h : snap.half_open) sums[ports.Label(h.port)] += h.count;
  auto f = MakeFamily("socket_tcp_half_open",
                      "Handshakes waiting for the client's final ACK (request sockets in SYN_RECV) "
                      "by listening port.",
                      MetricType::Gauge);
  for (const auto& [port, v] : sums) AddGauge(&f, {{"port", port}}, static_cast<double>(v));
  return f;
}

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

}  // namespace

MetricFamily BuildListenDrops(const InventorySnapshot& snap, const PortFolding& ports,
                              const std::vector<LabelledCounters>& kernel_counters) {
  PortSums sums;
  for (const auto& l : snap.listeners) {
    if (l.protocol == Protocol::kTcp) sums[ports.Label(l.port)] += l.drops;
  }
  for (const auto& c : kernel_counters) {
    if (c.counters.closed_listener_drops) sums[c.port] += c.counters.closed_listener_drops;
  }
  auto f = MakeFamily("socket_tcp_listen_drops_total",
                      "Handshakes dropped by TCP listeners because a queue was full (the "
                      "listeners' drop counters).",
                      MetricType::Counter);
  for (const auto& [port, v] : sums) AddCounter(&f, {{"port", port}}, static_cast<double>(v));
  return f;
}

std::vector<MetricFamily> BuildInventoryFamilies(const InventorySnapshot& snapshot,
                                                 const PortFolding& ports) {
  if (!snapshot.ok) return {};
  std::vector<MetricFamily> out;
  out.push_back(BuildEstablished(snapshot, ports));
  for (auto& f : BuildAcceptQueues(snapshot, ports)) out.push_back(std::move(f));
  out.push_back(BuildHalfOpen(snapshot, ports));
  out.push_back(BuildListenerInfo(snapshot));
  return out;
}

CollectorResult CollectInventory(const InventorySnapshot& snapshot, const KernelSnapshot& kernel) {
  if (!snapshot.ok) return Failed("socket inventory: " + snapshot.error);
  std::vector<MetricFamily> out = BuildInventoryFamilies(snapshot, kernel.ports);
  out.push_back(BuildListenDrops(snapshot, kernel.ports, kernel.counters));
  return Succeeded(std::move(out));
}

}  // namespace se
