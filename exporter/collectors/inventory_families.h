#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <string>
#include <vector>

#include "collectors/collect_all.h"
#include "net/port_folding.h"
#include "snapshot/inventory_snapshot.h"
#include "snapshot/kernel_snapshot.h"

namespace se {

// The socket tables of one snapshot folded per port label, as the inventory families (and the
// live view) show them; listen drops include closed listeners' from the kernel counters.
struct PortGauges {
  uint64_t established[2] = {};  // by Direction
  uint64_t accept_queue_length = 0;
  uint64_t accept_queue_limit = 0;
  uint64_t half_open = 0;
  uint64_t listen_drops = 0;
  bool tcp_listener = false;  // some TCP listener folds into this label
  bool udp_socket = false;    // some bound unconnected UDP socket folds into this label
  uint64_t udp_receive_queue = 0;
  uint64_t udp_receive_limit = 0;
};
using PortGaugeMap = std::map<std::string, PortGauges, PortLabelLess>;

PortGaugeMap FoldInventory(const InventorySnapshot& snapshot, const PortFolding& ports,
                           const std::vector<LabelledCounters>& kernel_counters);

// socket_tcp_listen_drops_total: live listeners' drop counters plus those of closed
// listeners, which the BPF programs keep per port (kernel counters of the same read).
prometheus::MetricFamily BuildListenDrops(const InventorySnapshot& snapshot,
                                          const PortFolding& ports,
                                          const std::vector<LabelledCounters>& kernel_counters);

// The inventory families (pure): established connections and accept queues by folded port
// label (summed when ports share a label), one socket_listener_info series per listener.
// Empty when the snapshot failed.
std::vector<prometheus::MetricFamily> BuildInventoryFamilies(const InventorySnapshot& snapshot,
                                                             const PortFolding& ports);

// The "inventory" collector: the socket tables folded like the kernel counters of the same
// scrape; fails with the snapshot's error.
CollectorResult CollectInventory(const InventorySnapshot& snapshot, const KernelSnapshot& kernel);

}  // namespace se
