#include "live/port_view.h"

#include <algorithm>
#include <cstring>

namespace se {
namespace {

// The UDP counters zeroed: what remains is TCP's.
se_port_counters WithoutUdp(se_port_counters c) {
  for (auto* udp :
       {c.udp_received_datagrams, c.udp_received_bytes, c.udp_sent_datagrams, c.udp_sent_bytes})
    std::fill(udp, udp + SE_DIR_COUNT, 0);
  std::fill(std::begin(c.udp_drops), std::end(c.udp_drops), 0);
  c.udp_no_socket = 0;
  return c;
}

bool AnyTcpCounter(const se_port_counters& c) {
  static const se_port_counters kZero{};
  const se_port_counters tcp = WithoutUdp(c);
  return std::memcmp(&tcp, &kZero, sizeof(tcp)) != 0;
}

bool AnyUdpCounter(const se_port_counters& c) {
  const RateTotals t = TotalsOf(c);
  return t.udp_received_datagrams || t.udp_sent_datagrams || t.udp_no_socket ||
         std::any_of(std::begin(t.udp_drops), std::end(t.udp_drops), [](uint64_t v) { return v; });
}

double TcpEventRate(const PortRates& r) {
  return r.connects + r.accepts + r.connect_failures + r.resets_sent + r.resets_received +
         r.syns_received + r.retransmitted_segments;
}

double UdpEventRate(const PortRates& r) {
  double sum = r.udp_received_datagrams + r.udp_sent_datagrams + r.udp_no_socket;
  for (float d : r.udp_drops) sum += d;
  return sum;
}

bool ShownAsTcp(const PortView& v) {
  const PortGauges& g = v.gauges;
  return AnyTcpCounter(v.counters) || g.tcp_listener || g.established[0] || g.established[1] ||
         g.half_open || g.listen_drops || TcpEventRate(v.rates) > 0 || v.rates.sent_segments > 0;
}

bool ShownAsUdp(const PortView& v) {
  return AnyUdpCounter(v.counters) || v.gauges.udp_socket || UdpEventRate(v.rates) > 0;
}

// Bytes and sent segments left out: a bulk transfer must not outweigh events.
double ActivityOf(const PortRates& r) { return TcpEventRate(r) + UdpEventRate(r); }

}  // namespace

std::vector<PortView> BuildPortViews(const KernelSnapshot& kernel,
                                     const InventorySnapshot& inventory,
                                     const SynFloodState& syn_flood,
                                     const std::map<std::string, PortRates>& rates) {
  std::map<std::string, PortView, PortLabelLess> by_label;
  auto view = [&](const std::string& port) -> PortView& {
    auto [it, added] = by_label.try_emplace(port);
    if (added) {
      it->second.port = port;
      std::memset(&it->second.counters, 0, sizeof(se_port_counters));
    }
    return it->second;
  };
  for (const auto& c : kernel.counters) view(c.port).counters = c.counters;
  if (inventory.ok) {
    for (const auto& [port, g] : FoldInventory(inventory, kernel.ports, kernel.counters))
      view(port).gauges = g;
  }
  for (const auto& [port, r] : rates) view(port).rates = r;
  for (const auto& p : syn_flood.ports) {
    if (p.active) view(p.port).syn_flood_active = true;
  }
  std::vector<PortView> out;
  for (auto& [port, v] : by_label) {
    v.tcp = ShownAsTcp(v);
    v.udp = ShownAsUdp(v);
    if (v.tcp || v.udp) out.push_back(std::move(v));
  }
  // stable: equal activity keeps port order
  std::stable_sort(out.begin(), out.end(), [](const PortView& a, const PortView& b) {
    const double ra = ActivityOf(a.rates), rb = ActivityOf(b.rates);
    if (ra != rb) return ra > rb;
    return a.gauges.established[0] + a.gauges.established[1] >
           b.gauges.established[0] + b.gauges.established[1];
  });
  return out;
}

}  // namespace se
