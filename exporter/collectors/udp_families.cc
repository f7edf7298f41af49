#include "collectors/udp_families.h"

#include <algorithm>

#include "collectors/families.h"

namespace se {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

const char* const kDirections[SE_DIR_COUNT] = {"inbound", "outbound"};
const char* const kDropReasons[SE_UDP_DROP_COUNT] = {"receive_buffer", "memory", "checksum",
                                                     "other"};

// `base` (sorted by name) with the row's workload labels merged in.
Labels With(const LabelledCounters& p, Labels base) {
  for (const auto& [name, value] : p.labels) base.push_back({name, value});
  std::sort(base.begin(), base.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return base;
}

struct UdpFamilies {
  MetricFamily received = MakeFamily(
      "socket_udp_received_datagrams_total",
      "UDP datagrams that reached a socket, by service port and direction (inbound: the local "
      "port is the service port); those dropped afterwards included.",
      MetricType::Counter);
  MetricFamily received_bytes =
      MakeFamily("socket_udp_received_bytes_total",
                 "Payload bytes of the UDP datagrams that reached a socket.", MetricType::Counter);
  MetricFamily sent = MakeFamily("socket_udp_sent_datagrams_total",
                                 "UDP datagrams sent by sockets, by service port and direction.",
                                 MetricType::Counter);
  MetricFamily sent_bytes = MakeFamily("socket_udp_sent_bytes_total",
                                       "Payload bytes of the UDP datagrams sent by sockets.",
                                       MetricType::Counter);
  MetricFamily drops = MakeFamily(
      "socket_udp_drops_total",
      "UDP datagrams dropped by the kernel, by service port and reason (receive_buffer: the "
      "socket's receive queue was full; memory: net.ipv4.udp_mem; checksum; other).",
      MetricType::Counter);
  MetricFamily no_socket = MakeFamily(
      "socket_udp_no_socket_total",
      "UDP datagrams to a port with no socket (answered with ICMP port unreachable), by port.",
      MetricType::Counter);
};

void AddRow(const LabelledCounters& p, UdpFamilies* f) {
  const auto& c = p.counters;
  for (int d = 0; d < SE_DIR_COUNT; ++d) {
    if (!c.udp_received_datagrams[d] && !c.udp_sent_datagrams[d]) continue;
    const Labels labels = With(p, {{"direction", kDirections[d]}, {"port", p.port}});
    AddCounter(&f->received, labels, c.udp_received_datagrams[d]);
    AddCounter(&f->received_bytes, labels, c.udp_received_bytes[d]);
    AddCounter(&f->sent, labels, c.udp_sent_datagrams[d]);
    AddCounter(&f->sent_bytes, labels, c.udp_sent_bytes[d]);
  }
  if (std::any_of(std::begin(c.udp_drops), std::end(c.udp_drops), [](auto v) { return v; })) {
    for (int r = 0; r < SE_UDP_DROP_COUNT; ++r)
      AddCounter(&f->drops, With(p, {{"port", p.port}, {"reason", kDropReasons[r]}}),
                 c.udp_drops[r]);
  }
  if (c.udp_no_socket) AddCounter(&f->no_socket, With(p, {{"port", p.port}}), c.udp_no_socket);
}

}  // namespace

std::vector<MetricFamily> BuildUdpCounterFamilies(const std::vector<LabelledCounters>& ports) {
  UdpFamilies f;
  for (const auto& p : ports) AddRow(p, &f);
  return {f.received, f.received_bytes, f.sent, f.sent_bytes, f.drops, f.no_socket};
}

}  // namespace se
