#include "detectors/security_monitor.h"

#include <cstring>

#include "collectors/families.h"
#include "events/ip_address.h"

namespace se {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr const char* kRuleNames[SE_RULE_COUNT] = {"denied_source", "denied_destination",
                                                   "unexpected_egress", "unexpected_listener"};

// IPv4-mapped IPv6 addresses (IPv4 peers of dual-stack sockets) come out as plain IPv4.
IpAddress EventAddress(uint8_t family, const uint8_t* bytes) {
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  const bool mapped = family == 6 && std::memcmp(bytes, kMapped, sizeof(kMapped)) == 0;
  if (family == 4 || mapped) {
    uint32_t v4;
    std::memcpy(&v4, bytes + (mapped ? 12 : 0), 4);
    return IpAddress::FromV4(v4);
  }
  return IpAddress::FromV6(bytes);
}

bool Allowed(const std::vector<PortRange>& allowed, uint16_t port) {
  return allowed.empty() || PortInRanges(allowed, port);
}

}  // namespace

SecurityMonitor::SecurityMonitor(const Config& config, std::unique_ptr<EventLog> log,
                                 Sources sources)
    : sources_(std::move(sources)),
      log_(std::move(log)),
      policy_(config.policy),
      scans_(config.port_scan) {}

void SecurityMonitor::OnEvent(const se_event& event) {
  if (event.kind == SE_EV_CLOSED_PORT) {
    OnClosedPort(event);
  } else if (event.kind == SE_EV_POLICY) {
    OnPolicyFinding(event);
  }
}

void SecurityMonitor::OnClosedPort(const se_event& event) {
  ClosedPortHit hit;
  hit.time_ns = event.time_ns;
  hit.source = EventAddress(event.family, event.saddr);
  hit.destination = EventAddress(event.family, event.laddr);
  hit.dst_port = event.lport;
  std::optional<ScanEvent> scan;
  {
    std::lock_guard<std::mutex> lock(mu_);
    scan = scans_.Observe(hit);
  }
  if (scan) LogScan(*scan);
}

void SecurityMonitor::LogScan(const ScanEvent& scan) {
  Finding f;
  f.rule = "port_scan";
  f.source_address = scan.source.ToString();
  f.destination_address = scan.last_destination.ToString();
  f.destination_port = scan.last_port;
  f.count = scan.scan_type == "horizontal" ? scan.distinct_addresses : scan.distinct_ports;
  f.extra = {{"scan_type", scan.scan_type},
             {"distinct_ports", std::to_string(scan.distinct_ports)},
             {"distinct_addresses", std::to_string(scan.distinct_addresses)},
             {"note", "source addresses may be spoofed"}};
  log_->Record(f, std::chrono::steady_clock::now());
}

void SecurityMonitor::OnPolicyFinding(const se_event& event) {
  if (event.rule == SE_RULE_UNEXPECTED_LISTENER) return OnUnexpectedListener(event);
  const std::string remote = EventAddress(event.family, event.saddr).ToString();
  const std::string local = EventAddress(event.family, event.laddr).ToString();
  Finding f;
  f.rule = kRuleNames[event.rule % SE_RULE_COUNT];
  if (event.rule == SE_RULE_DENIED_SOURCE) {  // inbound: the peer is the source
    f.source_address = remote;
    f.source_port = event.rport;
    f.destination_address = local;
    f.destination_port = event.lport;
    std::lock_guard<std::mutex> lock(mu_);  // the listener's owner, as of the last tick
    const auto owner = listener_process_.find(event.lport);
    if (owner != listener_process_.end()) f.process = owner->second;
  } else {  // outbound connect: the peer is the destination
    f.source_address = local;
    f.source_port = event.lport;
    f.destination_address = remote;
    f.destination_port = event.rport;
    f.process = std::string(event.comm, strnlen(event.comm, sizeof(event.comm)));
    if (event.pid) f.extra.push_back({"pid", std::to_string(event.pid)});
  }
  f.extra.push_back({"netns", std::to_string(event.netns)});
  log_->Record(f, std::chrono::steady_clock::now());
}

void SecurityMonitor::OnUnexpectedListener(const se_event& event) {
  const auto key = std::make_pair(std::string("tcp"), static_cast<uint64_t>(event.inode));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (unexpected_.count(key) || reported_.count(key)) return;
    reported_[key] = event.time_ns;
    ++unexpected_listeners_[event.lport];
  }
  Finding f;
  f.rule = "unexpected_listener";
  f.destination_address = EventAddress(event.family, event.laddr).ToString();
  f.destination_port = event.lport;
  f.process = std::string(event.comm, strnlen(event.comm, sizeof(event.comm)));
  f.extra = {{"protocol", "tcp"},
             {"pid", std::to_string(event.pid)},
             {"netns", std::to_string(event.netns)}};
  log_->Record(f, std::chrono::steady_clock::now());
}

void SecurityMonitor::Tick(const InventorySnapshot& snapshot, uint64_t snapshot_ns,
                           uint64_t now_ns) {
  std::vector<ScanEvent> ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ended = scans_.Expire(now_ns);
  }
  for (const ScanEvent& e : ended) {
    Finding f;
    f.rule = "port_scan";
    f.source_address = e.source.ToString();
    f.count = e.hits;
    f.extra = {{"scan_type", e.scan_type}, {"state", "ended"}};
    log_->Record(f, std::chrono::steady_clock::now());
  }
  if (snapshot.ok) CheckListeners(snapshot, snapshot_ns);
}

// Each listener that is unexpected now and was not at the previous tick is one finding.
void SecurityMonitor::CheckListeners(const InventorySnapshot& snapshot, uint64_t snapshot_ns) {
  std::vector<Finding> findings;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<std::pair<std::string, uint64_t>> now;
    listener_process_.clear();
    for (const Listener& l : snapshot.listeners) {
      if (l.protocol == "tcp" && !l.process.empty()) listener_process_[l.port] = l.process;
      if (Allowed(policy_.allowed_listen_ports, l.port)) continue;
      const auto key = std::make_pair(l.protocol, l.inode);
      now.insert(key);
      if (unexpected_.count(key) || reported_.erase(key)) continue;
      ++unexpected_listeners_[l.port];
      Finding f;
      f.rule = "unexpected_listener";
      f.destination_address = l.address;
      f.destination_port = l.port;
      f.process = l.process;
      f.extra = {{"protocol", l.protocol}};
      findings.push_back(std::move(f));
    }
    unexpected_ = std::move(now);
    // Reported sockets this snapshot should have shown are gone; newer ones wait a tick.
    for (auto it = reported_.begin(); it != reported_.end();)
      it = it->second < snapshot_ns ? reported_.erase(it) : std::next(it);
  }
  for (const Finding& f : findings) log_->Record(f, std::chrono::steady_clock::now());
}

void SecurityMonitor::Reconfigure(const Config& config) {
  std::lock_guard<std::mutex> lock(mu_);
  policy_ = config.policy;
  scans_.Reconfigure(config.port_scan);
  log_->Reconfigure(config.event_log);
}

std::vector<MetricFamily> SecurityMonitor::Collect() const {
  auto suspicious = MakeFamily("socket_suspicious_connections_total",
                               "Connection policy findings by rule and port.", MetricType::Counter);
  std::map<std::pair<std::string, std::string>, uint64_t> by_rule_port;
  for (const LabelledCounters& c : sources_.counters()) {
    for (int rule = 0; rule < SE_RULE_UNEXPECTED_LISTENER; ++rule)
      if (c.counters.policy_findings[rule])
        by_rule_port[{kRuleNames[rule], c.port}] += c.counters.policy_findings[rule];
  }
  auto scans = MakeFamily("socket_port_scans_detected_total", "Port scan episodes detected.",
                          MetricType::Counter);
  auto flagged = MakeFamily("socket_port_scan_sources", "Sources currently flagged as scanning.",
                            MetricType::Gauge);
  auto evicted = MakeFamily("socket_exporter_tracked_sources_evicted_total",
                            "Scan-tracking entries evicted to make room for new sources.",
                            MetricType::Counter);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [port, n] : unexpected_listeners_)
      by_rule_port[{"unexpected_listener", sources_.port_label(port)}] += n;
    AddCounter(&scans, {}, static_cast<double>(scans_.detections()));
    AddGauge(&flagged, {}, static_cast<double>(scans_.flagged()));
    AddCounter(&evicted, {}, static_cast<double>(scans_.evictions()));
  }
  for (const auto& [key, n] : by_rule_port)
    AddCounter(&suspicious, {{"rule", key.first}, {"port", key.second}}, static_cast<double>(n));
  auto lost = MakeFamily("socket_exporter_events_lost_total",
                         "Rare events (closed-port segments, policy findings) the kernel's ring "
                         "buffer could not deliver.",
                         MetricType::Counter);
  AddCounter(&lost, {}, static_cast<double>(sources_.events_lost()));
  auto suppressed = MakeFamily(
      "socket_exporter_event_log_suppressed_total",
      "Finding log lines suppressed by the per rule and source rate limit.", MetricType::Counter);
  AddCounter(&suppressed, {}, static_cast<double>(log_->suppressed()));
  return {suspicious, scans, flagged, evicted, lost, suppressed};
}

}  // namespace se
