#include "snapshot/kernel_snapshot.h"

#include <cstring>
#include <map>
#include <utility>

namespace se {

void AddPortCounters(se_port_counters* sum, const se_port_counters& c) {
  static_assert(sizeof(se_port_counters) % sizeof(uint64_t) == 0);
  auto* s = reinterpret_cast<uint64_t*>(sum);
  const auto* v = reinterpret_cast<const uint64_t*>(&c);
  for (size_t i = 0; i < sizeof(se_port_counters) / sizeof(uint64_t); ++i) s[i] += v[i];
}

std::vector<LabelledCounters> FoldSlots(const std::vector<se_port_counters>& slots,
                                        const PortFolding& ports) {
  std::map<std::string, se_port_counters, PortLabelLess> by_label;
  for (size_t slot = 0; slot < slots.size(); ++slot) {
    auto [it, added] = by_label.try_emplace(ports.SlotLabel(static_cast<uint32_t>(slot)));
    if (added) std::memset(&it->second, 0, sizeof(se_port_counters));
    AddPortCounters(&it->second, slots[slot]);
  }
  std::vector<LabelledCounters> out;
  for (const auto& [label, c] : by_label) out.push_back({label, c});
  return out;
}

std::vector<WorkloadCounters> FoldCells(const std::vector<se_port_counters>& cells,
                                        const std::vector<uint32_t>& cell_keys,
                                        const PortFolding& ports) {
  using Key = std::pair<uint32_t, std::string>;
  auto less = [](const Key& a, const Key& b) {
    if (a.first != b.first) return a.first < b.first;
    return PortLabelLess()(a.second, b.second);
  };
  std::map<Key, se_port_counters, decltype(less)> by_pair(less);
  for (size_t i = 0; i < cells.size() && i < cell_keys.size(); ++i) {
    const uint32_t workload = se_cell_workload(cell_keys[i]);
    Key key{workload, ports.SlotLabel(se_cell_port(cell_keys[i]))};
    auto [it, added] = by_pair.try_emplace(std::move(key));
    if (added) std::memset(&it->second, 0, sizeof(se_port_counters));
    AddPortCounters(&it->second, cells[i]);
  }
  std::vector<WorkloadCounters> out;
  for (const auto& [key, c] : by_pair) out.push_back({key.first, key.second, c});
  return out;
}

std::vector<se_port_counters> CellsToSlots(const std::vector<se_port_counters>& cells,
                                           const std::vector<uint32_t>& cell_keys, size_t slots) {
  std::vector<se_port_counters> out(slots);
  for (size_t i = 0; i < cells.size() && i < cell_keys.size(); ++i) {
    const uint32_t slot = se_cell_port(cell_keys[i]);
    AddPortCounters(&out[slot < slots ? slot : SE_SLOT_OTHER], cells[i]);
  }
  return out;
}

std::string SynSource::ToString() const {
  return prefix.ToString() + "/" + std::to_string(prefix_len);
}

std::vector<SynSource> DecodeSynSources(const std::vector<se_src_sample>& samples,
                                        const PortFolding& ports) {
  std::vector<SynSource> out;
  for (const se_src_sample& s : samples) {
    if (s.family != 4 && s.family != 6) continue;
    uint8_t bytes[16] = {};
    std::memcpy(bytes, s.prefix, s.family == 4 ? 4 : 8);
    SynSource source;
    source.port = ports.SlotLabel(s.slot);
    source.prefix = IpAddress::FromKernel(s.family, bytes);
    source.prefix_len = s.family == 4 ? 24 : 64;
    out.push_back(std::move(source));
  }
  return out;
}

}  // namespace se
