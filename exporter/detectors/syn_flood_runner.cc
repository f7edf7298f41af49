#include "detectors/syn_flood_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "collectors/families.h"
#include "logging/log.h"

namespace se {

using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<PortSample> BuildPortSamples(const std::vector<LabelledCounters>& counters,
                                         const InventorySnapshot& snapshot,
                                         const PortLabelFn& port_label) {
  std::map<std::string, PortSample> by_port;
  for (const auto& c : counters) {
    PortSample& s = by_port[c.port];
    s.syns += c.counters.syns_received;
    s.accepts += c.counters.accepts;
    s.synack_retransmits += c.counters.synack_retransmits;
    s.listen_drops += c.counters.closed_listener_drops;
  }
  for (const auto& l : snapshot.listeners) {
    if (l.protocol != "tcp") continue;
    PortSample& s = by_port[port_label(l.port)];
    s.listen_drops += l.drops;
    s.syn_backlog += l.syn_limit;
  }
  for (const auto& h : snapshot.half_open) by_port[port_label(h.port)].half_open += h.count;
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

SynFloodRunner::SynFloodRunner(const SynFloodConfig& config, SampleFn sample, SourcesFn sources)
    : config_(config),
      sample_(std::move(sample)),
      sources_(std::move(sources)),
      detector_(config) {}

SynFloodRunner::~SynFloodRunner() { Stop(); }

void SynFloodRunner::Start() {
  thread_ = std::thread([this] { Run(); });
}

void SynFloodRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SynFloodRunner::Run() {
  auto last = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, config_.tick, [this] { return stop_; })) {
    lock.unlock();
    const std::vector<PortSample> samples = sample_();
    std::map<std::string, std::map<std::string, uint64_t>> sources;  // port -> prefix -> SYNs
    if (sources_) {
      for (const auto& [port, prefix] : sources_()) ++sources[port][prefix];
    }
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - last).count();
    last = now;
    lock.lock();
    for (const auto& s : samples) seen_.insert(s.port);
    for (const FloodEvent& e : detector_.Tick(elapsed, samples))
      LogEvent(e, TopSources(sources[e.port], config_.top_sources));
  }
}

void SynFloodRunner::Reconfigure(const SynFloodConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  config_ = config;
  detector_.SetConfig(config);
}

std::vector<MetricFamily> SynFloodRunner::Collect() const {
  auto active = MakeFamily("socket_syn_flood_active",
                           "1 while the detector considers the listening port SYN flooded.",
                           MetricType::Gauge);
  auto detections =
      MakeFamily("socket_syn_flood_detections_total",
                 "SYN flood episodes started on the listening port.", MetricType::Counter);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& port : seen_) {
    AddGauge(&active, {{"port", port}}, detector_.Active(port) ? 1 : 0);
    AddCounter(&detections, {{"port", port}}, static_cast<double>(detector_.Detections(port)));
  }
  return {active, detections};
}

}  // namespace se
