#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "config/config_file.h"
#include "findings/finding_log.h"
#include "net/protocol.h"
#include "snapshot/inventory_snapshot.h"
#include "socket_exporter.h"

namespace se {

// The `rule` label value of a policy rule (enum se_policy_rule).
const char* PolicyRuleName(uint32_t rule);

// What the scrape shows of the listener policy: unexpected listeners found, by port. The
// other rules are counted in the kernel (KernelSnapshot counters).
struct PolicyState {
  std::map<uint16_t, uint64_t> unexpected_listeners;
};

// The connection policy's findings. The kernel checks accepts and connects against the
// rules in its maps and reports each finding as an event; listeners are checked against
// allowed_listen_ports by the kernel at listen() and on every policy tick against the
// socket tables, each socket counted once whichever sees it first. Findings go to the
// finding log. Thread-safe like ScanMonitor.
class PolicyMonitor {
 public:
  PolicyMonitor(const PolicyConfig& policy, FindingLog* log);

  // One SE_EV_POLICY event.
  void OnFinding(const se_event& event);
  // Checks the snapshot's listeners; snapshot_ns: CLOCK_MONOTONIC just before it was taken.
  void Tick(const InventorySnapshot& snapshot, uint64_t snapshot_ns);
  void Reconfigure(const PolicyConfig& policy);
  PolicyState State() const;
  // Whether Tick checks listeners (allowed_listen_ports is set): else it needs only the TCP
  // listeners' owners, and no UDP socket.
  bool ChecksListeners() const;

 private:
  void OnUnexpectedListener(const se_event& event);

  FindingLog* log_;
  mutable std::mutex mu_;  // guards everything below
  PolicyConfig policy_;
  // Listeners found unexpected at the last tick, by (protocol, inode), and those the kernel
  // reported since (listen() on a port not allowed) with the event's time: each socket counts
  // once, whichever view sees it first, even if it closes before a tick.
  std::set<std::pair<Protocol, uint64_t>> unexpected_;
  std::map<std::pair<Protocol, uint64_t>, uint64_t> reported_;
  // Findings by port; labelled at collection, with the folding of that scrape.
  std::map<uint16_t, uint64_t> unexpected_listeners_;
  std::map<uint16_t, std::string> listener_process_;  // TCP port -> owner, last tick
};

}  // namespace se
