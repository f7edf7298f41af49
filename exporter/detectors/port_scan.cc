#include "detectors/port_scan.h"

#include <algorithm>
#include <chrono>
#include <tuple>

namespace se {

namespace {

// Hits may arrive slightly out of order across CPUs; a hit from the past has age 0.
uint64_t Age(uint64_t now_ns, uint64_t then_ns) { return now_ns > then_ns ? now_ns - then_ns : 0; }

// Zero would flag every first hit, track no source or count no hit; use the least useful value.
PortScanConfig Clamp(PortScanConfig config) {
  config.min_ports = std::max<uint32_t>(config.min_ports, 1);
  config.min_addresses = std::max<uint32_t>(config.min_addresses, 1);
  config.max_sources = std::max<uint32_t>(config.max_sources, 1);
  if (config.window.count() < 1) config.window = std::chrono::milliseconds(1);
  return config;
}

// Appends without letting vector growth overshoot the cap the memory bound is stated in.
template <typename T>
void PushBounded(std::vector<T>* v, const T& item, size_t cap) {
  if (v->size() == v->capacity() && v->size() < cap) {
    v->reserve(std::min(cap, std::max<size_t>(4, 2 * v->capacity())));
  }
  v->push_back(item);
}

}  // namespace

const char* ScanTypeName(ScanType type) {
  return type == ScanType::kHorizontal ? "horizontal" : "vertical";
}

PortScanDetector::PortScanDetector(const PortScanConfig& config) { Reconfigure(config); }

void PortScanDetector::Reconfigure(const PortScanConfig& config) {
  const PortScanConfig clamped = Clamp(config);
  const bool thresholds_changed = clamped.min_ports != config_.min_ports ||
                                  clamped.min_addresses != config_.min_addresses ||
                                  clamped.window != config_.window;
  config_ = clamped;
  window_ns_ = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(config_.window).count());
  while (sources_.size() > config_.max_sources) EvictOldest();
  if (!thresholds_changed) return;
  for (Source& source : sources_) {
    if (!source.flagged) DropDetail(&source);
  }
}

size_t PortScanDetector::stored_entries() const {
  size_t n = 0;
  for (const Source& source : sources_) n += source.ports.size() + source.pairs.size();
  return n;
}

std::optional<ScanEvent> PortScanDetector::Observe(const ClosedPortHit& hit) {
  Source* s = Touch(hit.source);
  if (s->hits > 0 && Age(hit.time_ns, s->last_ns) >= window_ns_) {
    std::optional<ScanEvent> ended = EndRun(s);
    if (ended && pending_ends_.size() < config_.max_sources) pending_ends_.push_back(*ended);
  }
  const uint64_t now = std::max(hit.time_ns, s->last_ns);
  if (s->hits == 0) {
    s->start_ns = now;
    s->first_port = hit.dst_port;
  }
  ++s->hits;
  s->last_ns = now;
  s->last_port = hit.dst_port;
  s->last_destination = hit.destination;
  if (s->flagged) return std::nullopt;
  const uint32_t on_port = Remember(s, hit, now);
  if (s->ports.size() >= config_.min_ports) return Flag(s, /*horizontal=*/false, on_port);
  if (on_port >= config_.min_addresses) return Flag(s, /*horizontal=*/true, on_port);
  return std::nullopt;
}

std::vector<ScanEvent> PortScanDetector::Expire(uint64_t now_ns) {
  std::vector<ScanEvent> events;
  events.swap(pending_ends_);
  // Least recently seen last: stop at the first source still inside its window.
  while (!sources_.empty() && Age(now_ns, sources_.back().last_ns) >= window_ns_) {
    Source& oldest = sources_.back();
    if (std::optional<ScanEvent> ended = EndRun(&oldest)) events.push_back(*ended);
    index_.erase(oldest.address);
    sources_.pop_back();
  }
  return events;
}

PortScanDetector::Source* PortScanDetector::Touch(const IpAddress& address) {
  auto it = index_.find(address);
  if (it != index_.end()) {
    sources_.splice(sources_.begin(), sources_, it->second);
    return &sources_.front();
  }
  if (sources_.size() >= config_.max_sources) EvictOldest();
  sources_.emplace_front();
  sources_.front().address = address;
  index_.emplace(address, sources_.begin());
  return &sources_.front();
}

void PortScanDetector::EvictOldest() {
  const Source& oldest = sources_.back();
  if (oldest.flagged) --flagged_;
  ++evictions_;
  index_.erase(oldest.address);
  sources_.pop_back();
}

std::optional<ScanEvent> PortScanDetector::EndRun(Source* source) {
  std::optional<ScanEvent> ended;
  if (source->flagged) {
    ended = MakeEvent(ScanEvent::Kind::kEnd, *source);
    --flagged_;
  }
  const IpAddress address = source->address;
  *source = Source();
  source->address = address;
  return ended;
}

uint32_t PortScanDetector::Remember(Source* s, const ClosedPortHit& hit, uint64_t now_ns) const {
  Purge(s, now_ns);
  auto port = std::find_if(s->ports.begin(), s->ports.end(),
                           [&](const PortSeen& p) { return p.port == hit.dst_port; });
  if (port == s->ports.end()) {
    // Purged and unflagged, so fewer than min_ports are kept: this push stays within the cap.
    PushBounded(&s->ports, PortSeen{now_ns, 0, hit.dst_port}, config_.min_ports);
    port = s->ports.end() - 1;
  }
  port->last_ns = now_ns;
  auto pair = std::find_if(s->pairs.begin(), s->pairs.end(), [&](const PairSeen& p) {
    return p.port == hit.dst_port && p.address == hit.destination;
  });
  if (pair != s->pairs.end()) {
    pair->last_ns = now_ns;
  } else {
    AddPair(s, hit, now_ns);
  }
  return PairsOn(s, hit.dst_port);
}

void PortScanDetector::Purge(Source* s, uint64_t now_ns) const {
  const auto expired = [&](const auto& e) { return Age(now_ns, e.last_ns) >= window_ns_; };
  for (size_t i = 0; i < s->pairs.size();) {
    if (!expired(s->pairs[i])) {
      ++i;
      continue;
    }
    --PairsOn(s, s->pairs[i].port);
    s->pairs[i] = s->pairs.back();
    s->pairs.pop_back();
  }
  // A port's last_ns is never older than its pairs', so no kept pair loses its port entry.
  s->ports.erase(std::remove_if(s->ports.begin(), s->ports.end(), expired), s->ports.end());
}

uint32_t& PortScanDetector::PairsOn(Source* s, uint16_t port) {
  return std::find_if(s->ports.begin(), s->ports.end(),
                      [&](const PortSeen& p) { return p.port == port; })
      ->pairs;
}

void PortScanDetector::AddPair(Source* s, const ClosedPortHit& hit, uint64_t now_ns) const {
  if (s->pairs.size() >= config_.min_addresses) {
    // Victim: the oldest pair of the other port with the fewest pairs, if this port has at
    // least as many; otherwise this port's own oldest (the new pair only refreshes it).
    const uint32_t own = PairsOn(s, hit.dst_port);
    const PortSeen* fewest = nullptr;
    for (const PortSeen& p : s->ports) {
      if (p.port != hit.dst_port && p.pairs > 0 && (!fewest || p.pairs < fewest->pairs)) {
        fewest = &p;
      }
    }
    uint16_t victim_port;
    if (fewest && fewest->pairs <= own) {
      victim_port = fewest->port;
    } else if (own > 0) {
      victim_port = hit.dst_port;
    } else {
      return;  // every other port holds more: this pair cannot matter yet
    }
    auto victim = s->pairs.end();
    for (auto it = s->pairs.begin(); it != s->pairs.end(); ++it) {
      if (it->port == victim_port && (victim == s->pairs.end() || it->last_ns < victim->last_ns)) {
        victim = it;
      }
    }
    *victim = s->pairs.back();
    s->pairs.pop_back();
    --PairsOn(s, victim_port);
  }
  PushBounded(&s->pairs, PairSeen{now_ns, hit.destination, hit.dst_port}, config_.min_addresses);
  ++PairsOn(s, hit.dst_port);
}

ScanEvent PortScanDetector::Flag(Source* s, bool horizontal, uint32_t on_port) {
  s->flagged = true;
  s->scan_type = horizontal ? ScanType::kHorizontal : ScanType::kVertical;
  s->distinct_ports = static_cast<uint32_t>(s->ports.size());
  s->distinct_addresses = horizontal ? on_port : DistinctAddresses(s->pairs);
  DropDetail(s);
  ++flagged_;
  ++detections_;
  return MakeEvent(ScanEvent::Kind::kStart, *s);
}

uint32_t PortScanDetector::DistinctAddresses(const std::vector<PairSeen>& pairs) {
  std::vector<IpAddress> addresses;
  addresses.reserve(pairs.size());
  for (const auto& p : pairs) addresses.push_back(p.address);
  const auto less = [](const IpAddress& a, const IpAddress& b) {
    return std::tie(a.family, a.bytes) < std::tie(b.family, b.bytes);
  };
  std::sort(addresses.begin(), addresses.end(), less);
  return static_cast<uint32_t>(std::unique(addresses.begin(), addresses.end()) - addresses.begin());
}

ScanEvent PortScanDetector::MakeEvent(ScanEvent::Kind kind, const Source& s) {
  ScanEvent event;
  event.kind = kind;
  event.source = s.address;
  event.scan_type = s.scan_type;
  event.distinct_ports = s.distinct_ports;
  event.distinct_addresses = s.distinct_addresses;
  event.first_port = s.first_port;
  event.last_port = s.last_port;
  event.last_destination = s.last_destination;
  event.hits = s.hits;
  event.start_ns = s.start_ns;
  event.last_ns = s.last_ns;
  return event;
}

void PortScanDetector::DropDetail(Source* s) {
  std::vector<PortSeen>().swap(s->ports);
  std::vector<PairSeen>().swap(s->pairs);
}

}  // namespace se
