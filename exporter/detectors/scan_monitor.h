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
  uint64_t detections = 0;  // episodes started (TCP and UDP)
  uint64_t flagged = 0;     // sources scanning now (TCP and UDP)
  uint64_t evictions = 0;   // sources dropped to stay within max_sources
  uint64_t udp_detections = 0;  // the UDP part of detections
  uint64_t udp_flagged = 0;     // the UDP part of flagged
};

// Port scans, seen through the segments the kernel answered with a RST and the UDP datagrams
// it answered with ICMP port unreachable because no socket wanted them: each such kernel event
// feeds the detector of its protocol (TCP and UDP ports are apart), each episode start and end
// is one finding with its protocol. Thread-safe: events arrive on the event reader's thread, ticks on the detector
// loop's, State() on a scrape's.
class ScanMonitor {
 public:
  ScanMonitor(const PortScanConfig& config, FindingLog* log);

  // One SE_EV_CLOSED_PORT or SE_EV_UDP_CLOSED_PORT event.
  void OnClosedPort(const se_event& event);
  // Ends episodes of sources quiet for a window (now_ns: CLOCK_MONOTONIC, the BPF clock).
  void Tick(uint64_t now_ns);
  void Reconfigure(const PortScanConfig& config);
  ScanState State() const;

 private:
  void LogStart(const ScanEvent& scan, const char* protocol);
  void LogEnd(const ScanEvent& scan, const char* protocol);

  FindingLog* log_;
  mutable std::mutex mu_;  // guards scans_ and udp_scans_
  PortScanDetector scans_;
  PortScanDetector udp_scans_;
};

}  // namespace se
