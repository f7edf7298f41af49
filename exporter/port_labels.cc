#include "port_labels.h"

namespace se {

void PortLabels::Set(const std::vector<uint16_t>& slot_ports) {
  std::bitset<65536> tracked;
  for (size_t slot = 1; slot < slot_ports.size(); ++slot) {
    if (slot_ports[slot]) tracked.set(slot_ports[slot]);
  }
  std::lock_guard<std::mutex> lock(mu_);
  tracked_ = tracked;
}

std::string PortLabels::Label(uint16_t port) const {
  std::lock_guard<std::mutex> lock(mu_);
  return port && tracked_.test(port) ? std::to_string(port) : "other";
}

}  // namespace se
