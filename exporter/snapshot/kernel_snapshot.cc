#include "snapshot/kernel_snapshot.h"

#include <cstring>
#include <map>

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
