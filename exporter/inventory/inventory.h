#pragma once

#include <functional>
#include <string>
#include <vector>

#include "inventory/netns_scope.h"
#include "parsers/process_table.h"
#include "snapshot/inventory_snapshot.h"

namespace se {

// Reads listeners, established connections and half-open handshakes of the namespaces
// given (one NetnsScope::Refresh), with the owning processes from scan_owners (called once,
// after the dumps). The namespaces' sockets are not shared: callers take one snapshot at a time.
InventorySnapshot TakeInventory(const ScopeReading& scope,
                                const std::function<ProcessTable()>& scan_owners);

}  // namespace se
