#pragma once

#include <cstdint>
#include <mutex>

#include "config/config_file.h"
#include "detectors/port_scan.h"
#include "findings/finding_log.h"
#include "socket_exporter.h"

namespace se {

// What the scrape shows of the port scan detector.
struct ScanState {
  uint64_t detections = 0;  // episodes started
  uint64_t flagged = 0;     // sources scanning now
  uint64_t evictions = 0;   // sources dropped to stay within max_sources
};

// Port scans, seen through the segments the kernel answered with a RST because no socket
// wanted them: each such kernel event feeds the detector, each episode start and end is one
// finding. Thread-safe: events arrive on the event reader's thread, ticks on the detector
// loop's, State() on a scrape's.
class ScanMonitor {
 public:
  ScanMonitor(const PortScanConfig& config, FindingLog* log);

  // One SE_EV_CLOSED_PORT event.
  void OnClosedPort(const se_event& event);
  // Ends episodes of sources quiet for a window (now_ns: CLOCK_MONOTONIC, the BPF clock).
  void Tick(uint64_t now_ns);
  void Reconfigure(const PortScanConfig& config);
  ScanState State() const;

 private:
  void LogStart(const ScanEvent& scan);

  FindingLog* log_;
  mutable std::mutex mu_;  // guards scans_
  PortScanDetector scans_;
};

}  // namespace se
