#include "inventory/inventory.h"

#include <sys/socket.h>

namespace se {
namespace {

constexpr uint32_t TcpMask(InventoryParts parts) {
  return (1u << kTcpListen) | (parts.half_open ? 1u << kTcpSynRecv : 0) |
         (parts.established ? 1u << kTcpEstablished : 0);
}
constexpr uint32_t kUdpMask = 1u << kTcpClose;  // unconnected UDP, what `ss -uln` lists
constexpr int kFamilies[] = {AF_INET, AF_INET6};

// A listening socket found in a namespace, with that namespace's SYN queue bound.
struct FoundListener {
  SocketRecord record;
  uint32_t syn_limit = 0;
};

Listener ToListener(const FoundListener& found, const ProcessTable& procs) {
  const SocketRecord& r = found.record;
  Listener l;
  l.protocol = r.protocol;
  l.address = FormatAddress(r.family, r.local_addr);
  l.port = r.local_port;
  l.process = procs.CommandFor(r.inode);
  l.inode = r.inode;
  if (r.protocol == Protocol::kTcp) {
    l.accept_queue = r.rqueue;
    l.accept_limit = r.wqueue;
    l.drops = r.drops;
    l.syn_limit = found.syn_limit;
  } else {
    l.receive_queue = r.rmem;
    l.receive_limit = r.rcvbuf;
  }
  return l;
}

// Dumps one namespace: appends its listeners and counts its connections and handshakes.
bool TakeNamespace(const NetnsHandle& ns, InventoryParts parts,
                   std::vector<FoundListener>* listeners, InventorySnapshot* snap,
                   std::string* error) {
  std::vector<SocketRecord> tcp;
  std::vector<SocketRecord> udp;
  const uint32_t tcp_mask = TcpMask(parts);
  for (int family : kFamilies) {
    if ((parts.tcp && !ns.diag->Dump(Protocol::kTcp, family, tcp_mask, &tcp, error)) ||
        (parts.udp && !ns.diag->Dump(Protocol::kUdp, family, kUdpMask, &udp, error))) {
      *error = "netns " + std::to_string(ns.inode) + ": " + *error;
      return false;
    }
  }
  std::vector<SocketRecord> tcp_listeners, established, requests;
  for (auto& r : tcp) {
    (r.state == kTcpListen    ? tcp_listeners
     : r.state == kTcpSynRecv ? requests
                              : established)
        .push_back(r);
  }
  CountEstablished(established, tcp_listeners, &snap->established);
  CountHalfOpen(requests, &snap->half_open);
  SynQueueSysctlValues sysctls;
  if (ns.sysctls && parts.tcp) ns.sysctls->Read(&sysctls);
  for (const auto& r : tcp_listeners) listeners->push_back({r, SynQueueLimit(r.wqueue, sysctls)});
  for (const auto& r : udp) {
    if (r.state == kTcpClose && r.local_port != 0) listeners->push_back({r, 0});
  }
  return true;
}

}  // namespace

InventorySnapshot TakeInventory(const ScopeReading& scope, const OwnerLookup& owners,
                                InventoryParts parts) {
  InventorySnapshot snap;
  if (!scope.error.empty()) {
    snap.error = scope.error;
    return snap;
  }
  std::vector<FoundListener> records;
  for (const NetnsHandle& ns : scope.namespaces) {
    if (!TakeNamespace(ns, parts, &records, &snap, &snap.error)) return snap;
  }
  // Looked up after the dumps so that every listener found is already in some fd table.
  std::vector<uint64_t> inodes;
  for (const auto& r : records) inodes.push_back(r.record.inode);
  const ProcessTable procs = owners(inodes);
  for (const auto& r : records) snap.listeners.push_back(ToListener(r, procs));
  SortSnapshot(&snap);
  snap.ok = true;
  return snap;
}

}  // namespace se
