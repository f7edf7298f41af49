#pragma once

#include <functional>
#include <string>
#include <vector>

#include "inventory/netns_scope.h"
#include "parsers/process_table.h"
#include "snapshot/inventory_snapshot.h"

namespace se {

// What one reading of the socket tables covers besides listeners. Both other parts make the
// kernel walk its whole established hash table, whatever it holds: the detectors skip
// established connections, and half-open handshakes when none can exist (see DetectorTick).
struct InventoryParts {
  bool tcp = true;  // false: no TCP socket at all
  bool udp = true;  // false: no UDP socket
  bool established = true;
  bool half_open = true;
};

// A process table covering the owners of the listening sockets whose inodes it is given.
using OwnerLookup = std::function<ProcessTable(const std::vector<uint64_t>& inodes)>;

// Reads listeners, half-open handshakes and (if parts say so) established connections of the
// namespaces given (one NetnsScope::Refresh), with the owning processes from owners (called
// once, after the dumps). The namespaces' sockets are not shared: callers take one snapshot at
// a time.
InventorySnapshot TakeInventory(const ScopeReading& scope, const OwnerLookup& owners,
                                InventoryParts parts = {});

}  // namespace se
