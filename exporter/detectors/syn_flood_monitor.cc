#include "detectors/syn_flood_monitor.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "logging/log.h"

namespace se {

std::vector<PortSample> BuildPortSamples(const KernelSnapshot& kernel,
                                         const InventorySnapshot& inventory) {
  std::map<std::string, PortSample> by_port;
  for (const auto& c : kernel.counters) {
    PortSample& s = by_port[c.port];
    s.syns += c.counters.syns_received;
    s.accepts += c.counters.accepts;
    s.synack_retransmits += c.counters.synack_retransmits;
    s.listen_drops += c.counters.closed_listener_drops;
  }
  for (const auto& l : inventory.listeners) {
    if (l.protocol != Protocol::kTcp) continue;
    PortSample& s = by_port[kernel.ports.Label(l.port)];
    s.listen_drops += l.drops;
    s.syn_backlog += l.syn_limit;
  }
  for (const auto& h : inventory.half_open)
    by_port[kernel.ports.Label(h.port)].half_open += h.count;
  std::vector<PortSample> out;
  for (auto& [port, s] : by_port) {
    if (!s.syns && !s.syn_backlog) continue;  // no listener ever seen on it
    s.port = port;
    out.push_back(s);
  }
  return out;
}

std::string TopSources(const std::map<std::string, uint64_t>& counts, uint32_t n) {
  std::vector<std::pair<uint64_t, std::string>> sorted;
  for (const auto& [prefix, count] : counts) sorted.push_back({count, prefix});
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::string out;
  for (size_t i = 0; i < sorted.size() && i < n; ++i)
    out += (out.empty() ? "" : ",") + sorted[i].second + ":" + std::to_string(sorted[i].first);
  return out;
}

namespace {

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

void LogEvent(const FloodEvent& e, const std::string& top_sources) {
  const bool start = e.kind == FloodEvent::Kind::kStart;
  log::Warn(start ? "SYN flood started" : "SYN flood ended",
            {{"event", start ? "syn_flood_start" : "syn_flood_end"},
             {"top_sources", top_sources},
             {"sources_note", "source addresses of SYNs may be spoofed"},
             {"port", e.port},
             {"syn_rate", Fixed(e.syn_rate)},
             {"completion_ratio", Fixed(e.completion_ratio)},
             {"listen_drop_rate", Fixed(e.listen_drop_rate)},
             {"synack_retransmit_rate", Fixed(e.synack_retransmit_rate)},
             {"half_open", std::to_string(e.half_open)}});
}

}  // namespace

SynFloodMonitor::SynFloodMonitor(const SynFloodConfig& config)
    : config_(config), detector_(config) {}

void SynFloodMonitor::Tick(double elapsed_seconds, const std::vector<PortSample>& samples,
                           const std::vector<SynSource>& sources) {
  std::map<std::string, std::map<std::string, uint64_t>> syns;  // port -> prefix -> SYNs
  for (const SynSource& s : sources) ++syns[s.port][s.ToString()];
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& s : samples) seen_.insert(s.port);
  for (const FloodEvent& e : detector_.Tick(elapsed_seconds, samples))
    LogEvent(e, TopSources(syns[e.port], config_.top_sources));
}

void SynFloodMonitor::Reconfigure(const SynFloodConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  config_ = config;
  detector_.SetConfig(config);
}

SynFloodState SynFloodMonitor::State() const {
  SynFloodState state;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& port : seen_)
    state.ports.push_back({port, detector_.Active(port), detector_.Detections(port)});
  return state;
}

}  // namespace se
