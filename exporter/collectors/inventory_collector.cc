#include "collectors/inventory_collector.h"

#include <map>
#include <set>
#include <tuple>

#include "collectors/families.h"
#include "logging/log.h"

namespace se {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

// Orders port label values numerically, non-numeric values ("other") last.
struct PortLabelLess {
  static std::pair<bool, uint64_t> Rank(const std::string& s) {
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos)
      return {true, 0};
    return {false, std::stoull(s)};
  }
  bool operator()(const std::string& a, const std::string& b) const {
    return std::make_pair(Rank(a), a) < std::make_pair(Rank(b), b);
  }
};

using PortSums = std::map<std::string, uint64_t, PortLabelLess>;

const char* DirectionName(Direction d) { return d == Direction::kInbound ? "inbound" : "outbound"; }

MetricFamily BuildEstablished(const InventorySnapshot& snap, const PortLabelFn& port_label) {
  std::map<Direction, PortSums> sums;
  for (const auto& e : snap.established) sums[e.dir][port_label(e.port)] += e.count;
  auto f = MakeFamily("socket_tcp_established",
                      "TCP connections in ESTABLISHED state by direction and service port.",
                      MetricType::Gauge);
  for (const auto& [dir, ports] : sums) {
    for (const auto& [port, count] : ports)
      AddGauge(&f, {{"direction", DirectionName(dir)}, {"port", port}}, static_cast<double>(count));
  }
  return f;
}

std::vector<MetricFamily> BuildAcceptQueues(const InventorySnapshot& snap,
                                            const PortLabelFn& port_label) {
  PortSums length;
  PortSums limit;
  for (const auto& l : snap.listeners) {
    if (l.protocol != "tcp") continue;
    const std::string port = port_label(l.port);
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

MetricFamily BuildHalfOpen(const InventorySnapshot& snap, const PortLabelFn& port_label) {
  PortSums sums;
  for (const auto& h : snap.half_open) sums[port_label(h.port)] += h.count;
  auto f = MakeFamily("socket_tcp_half_open",
                      "Handshakes waiting for the client's final ACK (request sockets in SYN_RECV) "
                      "by listening port.",
                      MetricType::Gauge);
  for (const auto& [port, v] : sums) AddGauge(&f, {{"port", port}}, static_cast<double>(v));
  return f;
}

MetricFamily BuildListenerInfo(const InventorySnapshot& snap) {
  // Sorted and deduplicated: identical sockets (SO_REUSEPORT groups, forks) make one series.
  std::set<std::tuple<std::string, std::string, uint16_t, std::string>> unique;
  for (const auto& l : snap.listeners) unique.emplace(l.protocol, l.address, l.port, l.process);
  auto f = MakeFamily("socket_listener_info",
                      "Listening TCP sockets and bound unconnected UDP sockets with their owning "
                      "process; always 1.",
                      MetricType::Gauge);
  for (const auto& [protocol, address, port, process] : unique) {
    AddGauge(&f,
             {{"protocol", protocol},
              {"address", address},
              {"port", std::to_string(port)},
              {"process", process}},
             1);
  }
  return f;
}

}  // namespace

MetricFamily BuildListenDrops(const InventorySnapshot& snap, const PortLabelFn& port_label,
                              const std::map<std::string, uint64_t>& closed) {
  PortSums sums;
  for (const auto& l : snap.listeners) {
    if (l.protocol == "tcp") sums[port_label(l.port)] += l.drops;
  }
  for (const auto& [port, v] : closed) sums[port] += v;
  auto f = MakeFamily("socket_tcp_listen_drops_total",
                      "Handshakes dropped by TCP listeners because a queue was full (the "
                      "listeners' drop counters).",
                      MetricType::Counter);
  for (const auto& [port, v] : sums) AddCounter(&f, {{"port", port}}, static_cast<double>(v));
  return f;
}

std::vector<MetricFamily> BuildInventoryFamilies(const InventorySnapshot& snapshot,
                                                 const PortLabelFn& port_label) {
  if (!snapshot.ok) return {};
  std::vector<MetricFamily> out;
  out.push_back(BuildEstablished(snapshot, port_label));
  for (auto& f : BuildAcceptQueues(snapshot, port_label)) out.push_back(std::move(f));
  out.push_back(BuildHalfOpen(snapshot, port_label));
  out.push_back(BuildListenerInfo(snapshot));
  return out;
}

std::vector<MetricFamily> InventoryCollector::Collect() const {
  const InventorySnapshot snap = inventory_->Take();
  last_ok_.store(snap.ok);
  if (!snap.ok) {
    log::Warn("socket inventory failed", {{"error", snap.error}});
    return {};
  }
  std::vector<MetricFamily> out = BuildInventoryFamilies(snap, port_label_);
  if (closed_drops_) out.push_back(BuildListenDrops(snap, port_label_, closed_drops_()));
  return out;
}

}  // namespace se
