#pragma once

#include <map>
#include <string>
#include <vector>

#include "collectors/inventory_families.h"
#include "detectors/syn_flood_monitor.h"
#include "live/rate_history.h"
#include "snapshot/inventory_snapshot.h"
#include "snapshot/kernel_snapshot.h"

namespace se {

// One port label as the live view and /api/v1/ports show it: the kernel's totals and the
// socket tables' gauges of one read (the numbers a scrape at that instant shows), the rates of
// the newest history sample, the SYN flood verdict and the protocols it has data of.
struct PortView {
  std::string port;
  se_port_counters counters;
  PortGauges gauges;
  PortRates rates;
  bool syn_flood_active = false;
  bool tcp = false;  // a TCP counter, gauge or rate above zero, or a TCP listener
  bool udp = false;  // a UDP counter or rate above zero, or a bound UDP socket
};

// Every label with TCP or UDP data (PortView::tcp, ::udp); most active first (the sum of the
// event rates: connection events, retransmitted segments, datagrams and drops, not bytes or sent
// segments; then established connections), then in port order (pure).
std::vector<PortView> BuildPortViews(const KernelSnapshot& kernel,
                                     const InventorySnapshot& inventory,
                                     const SynFloodState& syn_flood,
                                     const std::map<std::string, PortRates>& rates);

}  // namespace se
