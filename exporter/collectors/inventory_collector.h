#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "inventory/inventory.h"

namespace se {

using PortLabelFn = std::function<std::string(uint16_t port)>;
// Drop counters of listeners that have closed, by port label (kept by the BPF programs).
using ClosedDropsFn = std::function<std::map<std::string, uint64_t>()>;

// socket_tcp_listen_drops_total: live listeners' drop counters plus closed listeners'.
prometheus::MetricFamily BuildListenDrops(const InventorySnapshot& snapshot,
                                          const PortLabelFn& port_label,
                                          const std::map<std::string, uint64_t>& closed);

// The inventory families (pure): established connections and accept queues by folded port
// label (summed when ports share a label), one socket_listener_info series per listener.
// Empty when the snapshot failed.
std::vector<prometheus::MetricFamily> BuildInventoryFamilies(const InventorySnapshot& snapshot,
                                                             const PortLabelFn& port_label);

// Takes an inventory snapshot at scrape time.
class InventoryCollector : public prometheus::Collectable {
 public:
  InventoryCollector(Inventory* inventory, PortLabelFn port_label,
                     ClosedDropsFn closed_drops = nullptr)
      : inventory_(inventory),
        port_label_(std::move(port_label)),
        closed_drops_(std::move(closed_drops)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

  // Whether the last Collect() read the kernel's state; false before the first one.
  bool last_ok() const { return last_ok_.load(); }

 private:
  Inventory* inventory_;
  PortLabelFn port_label_;
  ClosedDropsFn closed_drops_;
  mutable std::atomic<bool> last_ok_{false};
};

}  // namespace se
