#include "collectors/detector_families.h"

#include <map>
#include <string>
#include <utility>

#include "collectors/families.h"

namespace se {

using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<MetricFamily> BuildSynFloodFamilies(const SynFloodState& state) {
  auto active = MakeFamily("socket_syn_flood_active",
                           "1 while the detector considers the listening port SYN flooded.",
                           MetricType::Gauge);
  auto detections =
      MakeFamily("socket_syn_flood_detections_total",
                 "SYN flood episodes started on the listening port.", MetricType::Counter);
  for (const auto& p : state.ports) {
    AddGauge(&active, {{"port", p.port}}, p.active ? 1 : 0);
    AddCounter(&detections, {{"port", p.port}}, static_cast<double>(p.detections));
  }
  return {active, detections};
}

CollectorResult CollectSynFlood(const SynFloodState& state) {
  return Succeeded(BuildSynFloodFamilies(state));
}

namespace {

MetricFamily BuildSuspicious(const KernelSnapshot& kernel, const PolicyState& policy) {
  std::map<std::pair<std::string, std::string>, uint64_t> by_rule_port;
  for (const LabelledCounters& c : kernel.counters) {
    for (uint32_t rule = 0; rule < SE_RULE_UNEXPECTED_LISTENER; ++rule)
      if (c.counters.policy_findings[rule])
        by_rule_port[{PolicyRuleName(rule), c.port}] += c.counters.policy_findings[rule];
  }
  for (const auto& [port, n] : policy.unexpected_listeners)
    by_rule_port[{PolicyRuleName(SE_RULE_UNEXPECTED_LISTENER), kernel.ports.Label(port)}] += n;
  auto f = MakeFamily("socket_suspicious_connections_total",
                      "Connection policy findings by rule and port.", MetricType::Counter);
  for (const auto& [key, n] : by_rule_port)
    AddCounter(&f, {{"rule", key.first}, {"port", key.second}}, static_cast<double>(n));
  return f;
}

}  // namespace

std::vector<MetricFamily> BuildSecurityFamilies(const KernelSnapshot& kernel,
                                                const ScanState& scans, const PolicyState& policy,
                                                uint64_t log_suppressed) {
  auto detected = MakeFamily("socket_port_scans_detected_total",
                             "Port scan episodes detected, by the protocol of the closed ports.",
                             MetricType::Counter);
  AddCounter(&detected, {{"protocol", "tcp"}},
             static_cast<double>(scans.detections - scans.udp_detections));
  AddCounter(&detected, {{"protocol", "udp"}}, static_cast<double>(scans.udp_detections));
  auto flagged = MakeFamily("socket_port_scan_sources",
                            "Sources currently flagged as scanning, by protocol.",
                            MetricType::Gauge);
  AddGauge(&flagged, {{"protocol", "tcp"}}, static_cast<double>(scans.flagged - scans.udp_flagged));
  AddGauge(&flagged, {{"protocol", "udp"}}, static_cast<double>(scans.udp_flagged));
  auto evicted = MakeFamily("socket_exporter_tracked_sources_evicted_total",
                            "Scan-tracking entries evicted to make room for new sources.",
                            MetricType::Counter);
  AddCounter(&evicted, {}, static_cast<double>(scans.evictions));
  auto lost = MakeFamily("socket_exporter_events_lost_total",
                         "Rare events (closed-port segments, policy findings) the kernel's ring "
                         "buffer could not deliver.",
                         MetricType::Counter);
  AddCounter(&lost, {}, static_cast<double>(kernel.events_lost));
  auto suppressed = MakeFamily(
      "socket_exporter_event_log_suppressed_total",
      "Finding log lines suppressed by the per rule and source rate limit.", MetricType::Counter);
  AddCounter(&suppressed, {}, static_cast<double>(log_suppressed));
  return {BuildSuspicious(kernel, policy), detected, flagged, evicted, lost, suppressed};
}

CollectorResult CollectSecurity(const KernelSnapshot& kernel, const ScanState& scans,
                                const PolicyState& policy, uint64_t log_suppressed) {
  return Succeeded(BuildSecurityFamilies(kernel, scans, policy, log_suppressed));
}

}  // namespace se
