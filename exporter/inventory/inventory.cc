#include "inventory/inventory.h"

#include <sys/socket.h>

namespace se {
namespace {

constexpr uint32_t kTcpMask = (1u << kTcpListen) | (1u << kTcpEstablished) | (1u << kTcpSynRecv);
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
  }
  return l;
}

// Dumps one namespace: appends its listeners and counts its connections and handshakes.
bool TakeNamespace(const NetnsHandle& ns, std::vector<FoundListener>* listeners,
                   InventorySnapshot* snap, std::string* error) {
  std::vector<SocketRecord> tcp;
  std::vector<SocketRecord> udp;
  for (int family : kFamilies) {
    if (!ns.diag->Dump(Protocol::kTcp, family, kTcpMask, &tcp, error) ||
        !ns.diag->Dump(Protocol::kUdp, family, kUdpMask, &udp, error)) {
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
  if (ns.sysctls) ns.sysctls->Read(&sysctls);
  for (const auto& r : tcp_listeners) listeners->push_back({r, SynQueueLimit(r.wqueue, sysctls)});
  for (const auto& r : udp) {
    if (r.state == kTcpClose && r.local_port != 0) listeners->push_back({r, 0});
  }
  return true;
}

}  // namespace

InventorySnapshot TakeInventory(const ScopeReading& scope,
                                const std::function<ProcessTable()>& scan_owners) {
  InventorySnapshot snap;
  if (!scope.error.empty()) {
    snap.error = scope.error;
    return snap;
  }
  std::vector<FoundListener> records;
  for (const NetnsHandle& ns : scope.namespaces) {
    if (!TakeNamespace(ns, &records, &snap, &snap.error)) return snap;
  }
  // Scanned after the dumps so that every listener found is already in some fd table.
  const ProcessTable procs = scan_owners();
  for (const auto& r : records) snap.listeners.push_back(ToListener(r, procs));
  SortSnapshot(&snap);
  snap.ok = true;
  return snap;
}

}  // namespace se
