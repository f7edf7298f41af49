#pragma once

#include <bitset>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace se {

// Which ports have their own label value, refreshed once per scrape from the kernel's
// slot table, so gauges fold ports exactly like the BPF counters do.
class PortLabels {
 public:
  void Set(const std::vector<uint16_t>& slot_ports);
  std::string Label(uint16_t port) const;

 private:
  mutable std::mutex mu_;
  std::bitset<65536> tracked_;
};

}  // namespace se
