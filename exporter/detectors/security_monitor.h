#pragma once

#include <prometheus/collectable.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "collectors/tcp_counters.h"
#include "config/config_file.h"
#include "detectors/port_scan.h"
#include "events/event_log.h"
#include "inventory/inventory.h"
#include "socket_exporter.h"

namespace se {

// Port scans and connection policy. Rare kernel events (segments to closed ports, policy
// findings of accepts and connects) arrive through OnEvent(); listeners are checked against
// the policy on every detector tick. Findings go to the event log; their counts are exported
// as socket_suspicious_connections_total (kernel-side rules counted exactly in the kernel),
// socket_port_scans_detected_total and friends.
class SecurityMonitor : public prometheus::Collectable {
 public:
  struct Sources {
    std::function<std::string(uint16_t)> port_label;
    // The current scrape's counters (policy findings per port label).
    std::function<std::vector<LabelledCounters>()> counters;
    std::function<uint64_t()> events_lost;
  };
  SecurityMonitor(const Config& config, std::unique_ptr<EventLog> log, Sources sources);

  // One kernel event (called on the event reader's thread).
  void OnEvent(const se_event& event);
  // Once per detector tick: ends quiet scan episodes, checks listeners against the policy.
  // snapshot_ns: CLOCK_MONOTONIC just before the snapshot was taken; now_ns: after.
  void Tick(const InventorySnapshot& snapshot, uint64_t snapshot_ns, uint64_t now_ns);
  void Reconfigure(const Config& config);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  void OnClosedPort(const se_event& event);
  void OnPolicyFinding(const se_event& event);
  void OnUnexpectedListener(const se_event& event);
  void CheckListeners(const InventorySnapshot& snapshot, uint64_t snapshot_ns);
  void LogScan(const ScanEvent& scan);

  Sources sources_;
  std::unique_ptr<EventLog> log_;
  mutable std::mutex mu_;  // guards everything below
  PolicyConfig policy_;
  PortScanDetector scans_;
  // Listeners found unexpected at the last tick, by (protocol, inode), and those the kernel
  // reported since (listen() on a port not allowed) with the event's time: each socket counts
  // once, whichever view sees it first, even if it closes before a tick.
  std::set<std::pair<std::string, uint64_t>> unexpected_;
  std::map<std::pair<std::string, uint64_t>, uint64_t> reported_;
  // Findings by port; labelled at collection, when the port's slot is known to userspace.
  std::map<uint16_t, uint64_t> unexpected_listeners_;
  std::map<uint16_t, std::string> listener_process_;  // TCP port -> owner, last tick
};

}  // namespace se
