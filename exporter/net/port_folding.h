#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace se {

// The label value of every port without a slot of its own.
inline constexpr const char* kOtherPort = "other";

// Port -> `port` label value, the same for kernel counters, socket gauges and detectors: a
// port has its own value only if the kernel's slot table gives it a slot; every other port
// folds into "other", so summing over `port` keeps the true total. A plain value, built from
// one read of the slot table.
class PortFolding {
 public:
  PortFolding() = default;
  // slot_ports[slot] is the port of a slot (0: slot 0, which is "other", or unused).
  explicit PortFolding(std::vector<uint16_t> slot_ports);

  // Label of a port seen in a socket table or an event.
  std::string Label(uint16_t port) const;
  // Label of a kernel counter slot.
  std::string SlotLabel(uint32_t slot) const;
  // Port of a slot; 0 for "other" (slot 0, unused or out of range).
  uint16_t SlotPort(uint32_t slot) const;
  size_t slots() const { return slot_ports_.size(); }

 private:
  std::vector<uint16_t> slot_ports_;
  std::bitset<65536> tracked_;
};

// Orders port label values numerically, "other" (any non-number) last.
struct PortLabelLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

}  // namespace se
