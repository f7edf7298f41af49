#include "inventory/inventory.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "inventory/netns_scope.h"
#include "inventory/process_table.h"

namespace se {
namespace {

constexpr uint32_t kTcpMask = (1u << kTcpListen) | (1u << kTcpEstablished) | (1u << kTcpSynRecv);
constexpr uint32_t kUdpMask = 1u << kTcpClose;  // unconnected UDP, what `ss -uln` lists
constexpr int kFamilies[] = {AF_INET, AF_INET6};

auto Key(const Listener& l) {
  return std::tie(l.protocol, l.address, l.port, l.process, l.accept_queue, l.accept_limit);
}

// A listening socket found in a namespace, with that namespace's SYN queue bound.
struct FoundListener {
  SocketRecord record;
  uint32_t syn_limit = 0;
};

Listener ToListener(const FoundListener& found, const ProcessTable& procs) {
  const SocketRecord& r = found.record;
  Listener l;
  l.protocol = r.protocol == Protocol::kTcp ? "tcp" : "udp";
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

// Dumps one namespace: appends its listeners and counts its established connections.
void CountHalfOpen(const std::vector<SocketRecord>& requests, std::vector<HalfOpenCount>* counts) {
  for (const auto& r : requests) {
    auto it = std::find_if(counts->begin(), counts->end(),
                           [&](const HalfOpenCount& c) { return c.port == r.local_port; });
    if (it == counts->end()) {
      counts->push_back({r.local_port, 1});
    } else {
      ++it->count;
    }
  }
}

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
  SynQueueSysctls::Values sysctls;
  if (ns.sysctls) ns.sysctls->Read(&sysctls);
  for (const auto& r : tcp_listeners) listeners->push_back({r, SynQueueLimit(r.wqueue, sysctls)});
  for (const auto& r : udp) {
    if (r.state == kTcpClose && r.local_port != 0) listeners->push_back({r, 0});
  }
  return true;
}
}  // namespace

bool Listener::operator==(const Listener& o) const { return Key(*this) == Key(o); }
bool Listener::operator<(const Listener& o) const { return Key(*this) < Key(o); }

bool EstablishedCount::operator==(const EstablishedCount& o) const {
  return dir == o.dir && port == o.port && count == o.count;
}

Direction ClassifyEstablished(const SocketRecord& socket,
                              const std::unordered_set<uint16_t>& tcp_listen_ports) {
  return tcp_listen_ports.count(socket.local_port) ? Direction::kInbound : Direction::kOutbound;
}

void CountEstablished(const std::vector<SocketRecord>& established,
                      const std::vector<SocketRecord>& tcp_listeners,
                      std::vector<EstablishedCount>* counts) {
  std::unordered_set<uint16_t> listen_ports;
  for (const auto& l : tcp_listeners) listen_ports.insert(l.local_port);
  for (const auto& s : established) {
    const Direction dir = ClassifyEstablished(s, listen_ports);
    const uint16_t port = dir == Direction::kInbound ? s.local_port : s.remote_port;
    auto it = std::find_if(counts->begin(), counts->end(), [&](const EstablishedCount& c) {
      return c.dir == dir && c.port == port;
    });
    if (it == counts->end()) {
      counts->push_back({dir, port, 1});
    } else {
      ++it->count;
    }
  }
}

Inventory::Inventory(NetnsScope* scope, std::string procfs)
    : scope_(scope), procfs_(std::move(procfs)) {}

InventorySnapshot Inventory::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  InventorySnapshot snap;
  if (!scope_->Refresh(&snap.error)) return snap;
  std::vector<FoundListener> records;
  for (const NetnsHandle& ns : scope_->namespaces()) {
    if (!TakeNamespace(ns, &records, &snap, &snap.error)) return snap;
  }
  // Scanned after the dumps so that every listener found is already in some fd table.
  const ProcessTable procs = ProcessTable::Scan(procfs_);
  for (const auto& r : records) snap.listeners.push_back(ToListener(r, procs));
  std::sort(snap.listeners.begin(), snap.listeners.end());
  std::sort(snap.half_open.begin(), snap.half_open.end(),
            [](const HalfOpenCount& a, const HalfOpenCount& b) { return a.port < b.port; });
  std::sort(snap.established.begin(), snap.established.end(),
            [](const EstablishedCount& a, const EstablishedCount& b) {
              return std::tie(a.dir, a.port) < std::tie(b.dir, b.port);
            });
  snap.ok = true;
  return snap;
}

}  // namespace se
