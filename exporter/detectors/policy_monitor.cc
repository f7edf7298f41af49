#include "detectors/policy_monitor.h"

#include <cstring>

#include "net/ip_address.h"

namespace se {
namespace {

bool Allowed(const std::vector<PortRange>& allowed, uint16_t port) {
  return allowed.empty() || PortInRanges(allowed, port);
}

}  // namespace

const char* PolicyRuleName(uint32_t rule) {
  static constexpr const char* kNames[SE_RULE_COUNT] = {"denied_source", "denied_destination",
                                                        "unexpected_egress", "unexpected_listener"};
  return kNames[rule % SE_RULE_COUNT];
}

PolicyMonitor::PolicyMonitor(const PolicyConfig& policy, FindingLog* log)
    : log_(log), policy_(policy) {}

void PolicyMonitor::OnFinding(const se_event& event) {
  if (event.rule == SE_RULE_UNEXPECTED_LISTENER) return OnUnexpectedListener(event);
  const std::string remote = IpAddress::FromKernel(event.family, event.saddr).ToString();
  const std::string local = IpAddress::FromKernel(event.family, event.laddr).ToString();
  Finding f;
  f.rule = PolicyRuleName(event.rule);
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

void PolicyMonitor::OnUnexpectedListener(const se_event& event) {
  const auto key = std::make_pair(Protocol::kTcp, static_cast<uint64_t>(event.inode));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (unexpected_.count(key) || reported_.count(key)) return;
    reported_[key] = event.time_ns;
    ++unexpected_listeners_[event.lport];
  }
  Finding f;
  f.rule = "unexpected_listener";
  f.destination_address = IpAddress::FromKernel(event.family, event.laddr).ToString();
  f.destination_port = event.lport;
  f.process = std::string(event.comm, strnlen(event.comm, sizeof(event.comm)));
  f.extra = {{"protocol", "tcp"},
             {"pid", std::to_string(event.pid)},
             {"netns", std::to_string(event.netns)}};
  log_->Record(f, std::chrono::steady_clock::now());
}

// Each listener that is unexpected now and was not at the previous tick is one finding.
void PolicyMonitor::Tick(const InventorySnapshot& snapshot, uint64_t snapshot_ns) {
  if (!snapshot.ok) return;
  std::vector<Finding> findings;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<std::pair<Protocol, uint64_t>> now;
    listener_process_.clear();
    for (const Listener& l : snapshot.listeners) {
      if (l.protocol == Protocol::kTcp && !l.process.empty()) listener_process_[l.port] = l.process;
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
      f.extra = {{"protocol", ProtocolName(l.protocol)}};
      findings.push_back(std::move(f));
    }
    unexpected_ = std::move(now);
    // Reported sockets this snapshot should have shown are gone; newer ones wait a tick.
    for (auto it = reported_.begin(); it != reported_.end();)
      it = it->second < snapshot_ns ? reported_.erase(it) : std::next(it);
  }
  for (const Finding& f : findings) log_->Record(f, std::chrono::steady_clock::now());
}

void PolicyMonitor::Reconfigure(const PolicyConfig& policy) {
  std::lock_guard<std::mutex> lock(mu_);
  policy_ = policy;
}

bool PolicyMonitor::ChecksListeners() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !policy_.allowed_listen_ports.empty();
}

PolicyState PolicyMonitor::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {unexpected_listeners_};
}

}  // namespace se
