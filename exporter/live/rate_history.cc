#include "live/rate_history.h"

#include <algorithm>

namespace se {
namespace {

float Rate(uint64_t now, uint64_t before, double seconds) {
  return now > before ? static_cast<float>((now - before) / seconds) : 0.0f;
}

template <size_t N>
uint64_t Sum(const __u64 (&values)[N]) {
  uint64_t n = 0;
  for (auto v : values) n += v;
  return n;
}

}  // namespace

RateTotals TotalsOf(const se_port_counters& c) {
  RateTotals t;
  t.connects = c.connects;
  t.accepts = c.accepts;
  t.connect_failures = Sum(c.connect_failures);
  for (const auto& by_reason : c.resets_sent) t.resets_sent += Sum(by_reason);
  t.resets_received = Sum(c.resets_received);
  t.syns_received = c.syns_received;
  t.retransmitted_segments = Sum(c.retransmits);
  t.sent_segments = Sum(c.data_segments_at_retransmit) + Sum(c.data_segments_at_close);
  t.udp_received_datagrams = Sum(c.udp_received_datagrams);
  t.udp_received_bytes = Sum(c.udp_received_bytes);
  t.udp_sent_datagrams = Sum(c.udp_sent_datagrams);
  t.udp_sent_bytes = Sum(c.udp_sent_bytes);
  for (int r = 0; r < SE_UDP_DROP_COUNT; ++r) t.udp_drops[r] = c.udp_drops[r];
  t.udp_no_socket = c.udp_no_socket;
  return t;
}

PortRates RatesBetween(const RateTotals& now, const RateTotals& before, double seconds) {
  auto rate = [seconds](uint64_t a, uint64_t b) { return Rate(a, b, seconds); };
  PortRates r;
  r.connects = rate(now.connects, before.connects);
  r.accepts = rate(now.accepts, before.accepts);
  r.connect_failures = rate(now.connect_failures, before.connect_failures);
  r.resets_sent = rate(now.resets_sent, before.resets_sent);
  r.resets_received = rate(now.resets_received, before.resets_received);
  r.syns_received = rate(now.syns_received, before.syns_received);
  r.retransmitted_segments = rate(now.retransmitted_segments, before.retransmitted_segments);
  r.sent_segments = rate(now.sent_segments, before.sent_segments);
  r.udp_received_datagrams = rate(now.udp_received_datagrams, before.udp_received_datagrams);
  r.udp_received_bytes = rate(now.udp_received_bytes, before.udp_received_bytes);
  r.udp_sent_datagrams = rate(now.udp_sent_datagrams, before.udp_sent_datagrams);
  r.udp_sent_bytes = rate(now.udp_sent_bytes, before.udp_sent_bytes);
  for (int i = 0; i < SE_UDP_DROP_COUNT; ++i)
    r.udp_drops[i] = rate(now.udp_drops[i], before.udp_drops[i]);
  r.udp_no_socket = rate(now.udp_no_socket, before.udp_no_socket);
  return r;
}

void RateHistory::Record(double unix_time, double elapsed_seconds,
                         const std::vector<LabelledCounters>& counters) {
  std::map<std::string, RateTotals> totals;
  for (const auto& c : counters) totals[c.port] = TotalsOf(c.counters);
  std::lock_guard<std::mutex> lock(mu_);
  const bool baseline_only = !have_totals_ || !(elapsed_seconds > 0);
  std::swap(totals_, totals);  // totals: the previous ones from here on
  have_totals_ = true;
  if (baseline_only) return;
  times_.push_back(unix_time);
  for (const auto& [port, now] : totals_) {
    const RateTotals before = totals.count(port) ? totals.at(port) : RateTotals{};
    auto& series = ports_[port];
    series.resize(times_.size() - 1);  // a label seen for the first time: zeros before
    series.push_back(RatesBetween(now, before, elapsed_seconds));
  }
  for (auto& [port, series] : ports_) series.resize(times_.size());  // absent now: zero
  if (times_.size() > capacity_) {
    times_.pop_front();
    for (auto& [port, series] : ports_) series.pop_front();
  }
}

RateHistory::View RateHistory::Get() const {
  View view;
  view.capacity = capacity_;
  std::lock_guard<std::mutex> lock(mu_);
  view.times.assign(times_.begin(), times_.end());
  for (const auto& [port, series] : ports_) view.ports[port].assign(series.begin(), series.end());
  return view;
}

std::map<std::string, PortRates> RateHistory::Latest() const {
  std::map<std::string, PortRates> out;
  std::lock_guard<std::mutex> lock(mu_);
  if (times_.empty()) return out;
  for (const auto& [port, series] : ports_) out[port] = series.back();
  return out;
}

}  // namespace se
