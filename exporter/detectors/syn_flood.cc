#include "detectors/syn_flood.h"

#include <algorithm>

namespace se {

namespace {

FloodEvent MakeEvent(FloodEvent::Kind kind, const std::string& port, double syn_rate,
                     double completion_ratio, double listen_drop_rate,
                     double synack_retransmit_rate, uint64_t half_open) {
  FloodEvent event;
  event.kind = kind;
  event.port = port;
  event.syn_rate = syn_rate;
  event.completion_ratio = completion_ratio;
  event.listen_drop_rate = listen_drop_rate;
  event.synack_retransmit_rate = synack_retransmit_rate;
  event.half_open = half_open;
  return event;
}

bool WentBackwards(const PortSample& now, const PortSample& before) {
  return now.syns < before.syns || now.accepts < before.accepts ||
         now.listen_drops < before.listen_drops ||
         now.synack_retransmits < before.synack_retransmits;
}

}  // namespace

SynFloodDetector::SynFloodDetector(const SynFloodConfig& config) : config_(config) {}

bool SynFloodDetector::Active(const std::string& port) const {
  auto it = ports_.find(port);
  return it != ports_.end() && it->second.active;
}

uint64_t SynFloodDetector::Detections(const std::string& port) const {
  auto it = detections_.find(port);
  return it == detections_.end() ? 0 : it->second;
}

std::vector<std::string> SynFloodDetector::ActivePorts() const {
  std::vector<std::string> out;
  for (const auto& [port, state] : ports_) {
    if (state.active) out.push_back(port);
  }
  return out;
}

std::vector<FloodEvent> SynFloodDetector::Tick(double elapsed_seconds,
                                               const std::vector<PortSample>& samples) {
  std::vector<FloodEvent> events;
  // Also rejects NaN, which would otherwise poison every rate.
  if (!(elapsed_seconds > 0)) return events;
  std::set<std::string> seen;
  for (const PortSample& sample : samples) {
    if (!seen.insert(sample.port).second) continue;
    PortState& state = ports_[sample.port];
    state.absent_ticks = 0;
    state.seconds_since_sample += elapsed_seconds;
    Rates rates;
    const bool has_rate = TakeSample(sample, &state, &rates);
    const bool suspect = has_rate && Suspect(rates, sample.syn_backlog);
    Advance(sample.port, suspect, rates, &state, &events);
  }
  AgeMissingPorts(elapsed_seconds, seen, &events);
  return events;
}

bool SynFloodDetector::TakeSample(const PortSample& sample, PortState* state, Rates* rates) {
  rates->half_open = sample.half_open;
  const bool usable = state->has_baseline && !WentBackwards(sample, state->last);
  if (usable) {
    const double secs = state->seconds_since_sample;
    const PortSample& before = state->last;
    const uint64_t syns = sample.syns - before.syns;
    rates->syn_rate = static_cast<double>(syns) / secs;
    rates->listen_drop_rate = static_cast<double>(sample.listen_drops - before.listen_drops) / secs;
    rates->synack_retransmit_rate =
        static_cast<double>(sample.synack_retransmits - before.synack_retransmits) / secs;
    const uint64_t accepts = sample.accepts - before.accepts;
    rates->completion_ratio =
        syns == 0 ? 1.0 : static_cast<double>(accepts) / static_cast<double>(syns);
  }
  state->has_baseline = true;
  state->last = sample;
  state->seconds_since_sample = 0;
  return usable;
}

bool SynFloodDetector::Suspect(const Rates& rates, uint64_t syn_backlog) const {
  if (!(rates.syn_rate >= config_.min_syn_rate)) return false;
  if (rates.completion_ratio < config_.max_completion_ratio) return true;
  if (config_.min_listen_drop_rate > 0 && rates.listen_drop_rate >= config_.min_listen_drop_rate) {
    return true;
  }
  return syn_backlog > 0 && static_cast<double>(rates.half_open) >=
                                config_.half_open_fill * static_cast<double>(syn_backlog);
}

void SynFloodDetector::Advance(const std::string& port, bool suspect, const Rates& rates,
                               PortState* state, std::vector<FloodEvent>* events) {
  // Zero would mean "start before any evidence" or "never end"; treat both as one tick.
  const uint32_t activate = std::max<uint32_t>(config_.activate_ticks, 1);
  const uint32_t clear = std::max<uint32_t>(config_.clear_ticks, 1);
  if (suspect) {
    state->calm_streak = 0;
    if (state->suspect_streak < activate) ++state->suspect_streak;
    if (!state->active && state->suspect_streak >= activate) {
      state->active = true;
      ++detections_[port];
      events->push_back(MakeEvent(FloodEvent::Kind::kStart, port, rates.syn_rate,
                                  rates.completion_ratio, rates.listen_drop_rate,
                                  rates.synack_retransmit_rate, rates.half_open));
    }
    return;
  }
  state->suspect_streak = 0;
  if (!state->active) return;
  if (++state->calm_streak < clear) return;
  state->active = false;
  state->calm_streak = 0;
  events->push_back(MakeEvent(FloodEvent::Kind::kEnd, port, rates.syn_rate, rates.completion_ratio,
                              rates.listen_drop_rate, rates.synack_retransmit_rate,
                              rates.half_open));
}

void SynFloodDetector::AgeMissingPorts(double elapsed_seconds, const std::set<std::string>& seen,
                                       std::vector<FloodEvent>* events) {
  for (auto it = ports_.begin(); it != ports_.end();) {
    PortState& state = it->second;
    if (seen.count(it->first) != 0) {
      ++it;
      continue;
    }
    // The baseline stays, so the next rate spans every tick the port was missing.
    state.seconds_since_sample += elapsed_seconds;
    if (state.absent_ticks < kForgetAfterTicks) ++state.absent_ticks;
    Advance(it->first, false, Rates(), &state, events);
    if (!state.active && state.absent_ticks >= kForgetAfterTicks) {
      it = ports_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace se
