#include "net/port_folding.h"

namespace se {
namespace {

// (not a port number, number): port numbers first, in numeric order.
std::pair<bool, uint64_t> Rank(const std::string& s) {
  if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos)
    return {true, 0};
  return {false, std::stoull(s)};
}

}  // namespace

PortFolding::PortFolding(std::vector<uint16_t> slot_ports) : slot_ports_(std::move(slot_ports)) {
  for (size_t slot = 1; slot < slot_ports_.size(); ++slot) {
    if (slot_ports_[slot]) tracked_.set(slot_ports_[slot]);
  }
}

std::string PortFolding::Label(uint16_t port) const {
  return port && tracked_.test(port) ? std::to_string(port) : kOtherPort;
}

uint16_t PortFolding::SlotPort(uint32_t slot) const {
  return slot > 0 && slot < slot_ports_.size() ? slot_ports_[slot] : 0;
}

std::string PortFolding::SlotLabel(uint32_t slot) const {
  const uint16_t port = SlotPort(slot);
  return port ? std::to_string(port) : kOtherPort;
}

bool PortLabelLess::operator()(const std::string& a, const std::string& b) const {
  return std::make_pair(Rank(a), a) < std::make_pair(Rank(b), b);
}

}  // namespace se
