#include "live/port_view.h"

#include <algorithm>
#include <cstring>

namespace se {
namespace {

bool AnyCounter(const se_port_counters& c) {
  const auto* v = reinterpret_cast<const uint64_t*>(&c);
  return std::any_of(v, v + sizeof(c) / sizeof(uint64_t), [](uint64_t x) { return x != 0; });
}

double RateSum(const PortRates& r) {
  return r.connects + r.accepts + r.connect_failures + r.resets_sent + r.resets_received +
         r.syns_received;
}

bool Shown(const PortView& v) {
  const PortGauges& g = v.gauges;
  return AnyCounter(v.counters) || g.tcp_listener || g.established[0] || g.established[1] ||
         g.half_open || g.listen_drops || RateSum(v.rates) > 0;
}

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
    if (Shown(v)) out.push_back(std::move(v));
  }
  // stable: equal activity keeps port order
  std::stable_sort(out.begin(), out.end(), [](const PortView& a, const PortView& b) {
    const double ra = RateSum(a.rates), rb = RateSum(b.rates);
    if (ra != rb) return ra > rb;
    return a.gauges.established[0] + a.gauges.established[1] >
           b.gauges.established[0] + b.gauges.established[1];
  });
  return out;
}

}  // namespace se
