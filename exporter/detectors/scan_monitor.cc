#include "detectors/scan_monitor.h"

#include <chrono>
#include <optional>
#include <vector>

#include "net/ip_address.h"

namespace se {

ScanMonitor::ScanMonitor(const PortScanConfig& config, FindingLog* log)
    : log_(log), scans_(config), udp_scans_(config) {}

void ScanMonitor::OnClosedPort(const se_event& event) {
  ClosedPortHit hit;
  hit.time_ns = event.time_ns;
  hit.source = IpAddress::FromKernel(event.family, event.saddr);
  hit.destination = IpAddress::FromKernel(event.family, event.laddr);
  hit.dst_port = event.lport;
  const bool udp = event.kind == SE_EV_UDP_CLOSED_PORT;
  std::optional<ScanEvent> scan;
  {
    std::lock_guard<std::mutex> lock(mu_);
    scan = (udp ? udp_scans_ : scans_).Observe(hit);
  }
  if (scan) LogStart(*scan, udp ? "udp" : "tcp");
}

void ScanMonitor::LogStart(const ScanEvent& scan, const char* protocol) {
  Finding f;
  f.rule = "port_scan";
  f.source_address = scan.source.ToString();
  f.destination_address = scan.last_destination.ToString();
  f.destination_port = scan.last_port;
  f.count = scan.scan_type == ScanType::kHorizontal ? scan.distinct_addresses : scan.distinct_ports;
  f.extra = {{"scan_type", ScanTypeName(scan.scan_type)},
             {"distinct_ports", std::to_string(scan.distinct_ports)},
             {"distinct_addresses", std::to_string(scan.distinct_addresses)},
             {"protocol", protocol},
             {"note", "source addresses may be spoofed"}};
  log_->Record(f, std::chrono::steady_clock::now());
}

void ScanMonitor::LogEnd(const ScanEvent& scan, const char* protocol) {
  Finding f;
  f.rule = "port_scan";
  f.source_address = scan.source.ToString();
  f.count = scan.hits;
  f.extra = {{"scan_type", ScanTypeName(scan.scan_type)},
             {"state", "ended"},
             {"protocol", protocol}};
  log_->Record(f, std::chrono::steady_clock::now());
}

void ScanMonitor::Tick(uint64_t now_ns) {
  std::vector<ScanEvent> ended, udp_ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ended = scans_.Expire(now_ns);
    udp_ended = udp_scans_.Expire(now_ns);
  }
  for (const ScanEvent& e : ended) LogEnd(e, "tcp");
  for (const ScanEvent& e : udp_ended) LogEnd(e, "udp");
}

void ScanMonitor::Reconfigure(const PortScanConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  scans_.Reconfigure(config);
  udp_scans_.Reconfigure(config);
}

ScanState ScanMonitor::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {scans_.detections() + udp_scans_.detections(), scans_.flagged() + udp_scans_.flagged(),
          scans_.evictions() + udp_scans_.evictions(), udp_scans_.detections(),
          udp_scans_.flagged()};
}

}  // namespace se
