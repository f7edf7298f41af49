#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "inventory/inventory.h"

namespace se {

using PortLabelFn = std::function<std::string(uint16_t port)>;

// The inventory families (pure): established connections and accept queues by folded port
// label (summed when ports share a label), one socket_listener_info series per listener.
// Empty when the snapshot failed.
std::vector<prometheus::MetricFamily> BuildInventoryFamilies(const InventorySnapshot& snapshot,
                                                             const PortLabelFn& port_label);

// Takes an inventory snapshot at scrape time.
class InventoryCollector : public prometheus::Collectable {
 public:
  InventoryCollector(Inventory* inventory, PortLabelFn port_label)
      : inventory_(inventory), port_label_(std::move(port_label)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

  // Whether the last Collect() read the kernel's state; false before the first one.
  bool last_ok() const { return last_ok_.load(); }

 private:
  Inventory* inventory_;
  PortLabelFn port_label_;
  mutable std::atomic<bool> last_ok_{false};
};

}  // namespace se
