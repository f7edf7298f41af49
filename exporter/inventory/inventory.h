#pragma once

#include <string>
#include <vector>

#include "inventory/netns_scope.h"
#include "snapshot/inventory_snapshot.h"

namespace se {

// Reads listeners, established connections and half-open handshakes of the namespaces
// given (one NetnsScope::Refresh), with the owning processes from procfs. The namespaces'
// sockets are not shared: callers take one snapshot at a time.
InventorySnapshot TakeInventory(const ScopeReading& scope, const std::string& procfs);

}  // namespace se
