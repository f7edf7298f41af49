#include "collectors/tcp_counters.h"

#include <algorithm>

#include "collectors/families.h"
#include "collectors/udp_families.h"

namespace se {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

const char* const kDirections[SE_DIR_COUNT] = {"inbound", "outbound"};
const char* const kFailures[SE_FAIL_COUNT] = {"refused", "timeout", "unreachable", "other"};
const char* const kResetReasons[SE_RST_REASON_COUNT] = {"no_socket", "other"};

uint64_t HistCount(const se_hist& h) {
  uint64_t n = 0;
  for (uint64_t b : h.buckets) n += b;
  return n;
}

void AddHist(MetricFamily* f, Labels labels, const se_hist& h) {
  static const std::vector<double> bounds = DurationBucketBounds();
  AddHistogram(f, std::move(labels), bounds,
               std::vector<uint64_t>(std::begin(h.buckets), std::end(h.buckets)),
               static_cast<double>(h.sum_ns) / 1e9);
}

// A series' labels: `base` (sorted by name) with the row's workload labels merged in.
Labels With(const LabelledCounters& p, Labels base) {
  if (p.labels.empty()) return base;
  for (const auto& [name, value] : p.labels) base.push_back({name, value});
  std::sort(base.begin(), base.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return base;
}

template <size_t N>
bool AnyNonZero(const __u64 (&values)[N]) {
  for (auto v : values) {
    if (v) return true;
  }
  return false;
}

void BuildOutbound(const LabelledCounters& p, MetricFamily* connects, MetricFamily* failures,
                   MetricFamily* connect_duration) {
  const auto& c = p.counters;
  if (c.connects) AddCounter(connects, With(p, {{"port", p.port}}), c.connects);
  if (AnyNonZero(c.connect_failures)) {
    for (int r = 0; r < SE_FAIL_COUNT; ++r)
      AddCounter(failures, With(p, {{"port", p.port}, {"reason", kFailures[r]}}),
                 c.connect_failures[r]);
  }
  if (HistCount(c.connect_duration))
    AddHist(connect_duration, With(p, {{"port", p.port}}), c.connect_duration);
}

void BuildResets(const LabelledCounters& p, MetricFamily* sent, MetricFamily* received) {
  const auto& c = p.counters;
  if (AnyNonZero(c.resets_sent[0]) || AnyNonZero(c.resets_sent[1])) {
    for (int d = 0; d < SE_DIR_COUNT; ++d)
      for (int r = 0; r < SE_RST_REASON_COUNT; ++r)
        AddCounter(
            sent,
            With(p,
                 {{"direction", kDirections[d]}, {"port", p.port}, {"reason", kResetReasons[r]}}),
            c.resets_sent[d][r]);
  }
  if (AnyNonZero(c.resets_received)) {
    for (int d = 0; d < SE_DIR_COUNT; ++d)
      AddCounter(received, With(p, {{"direction", kDirections[d]}, {"port", p.port}}),
                 c.resets_received[d]);
  }
}

void BuildConnections(const LabelledCounters& p, MetricFamily* duration, MetricFamily* sent,
                      MetricFamily* received) {
  const auto& c = p.counters;
  for (int d = 0; d < SE_DIR_COUNT; ++d) {
    if (!HistCount(c.conn_duration[d])) continue;
    Labels labels = With(p, {{"direction", kDirections[d]}, {"port", p.port}});
    AddHist(duration, labels, c.conn_duration[d]);
    AddCounter(sent, labels, c.bytes_sent[d]);
    AddCounter(received, labels, c.bytes_received[d]);
  }
}

// Retransmissions count while connections live; RTTs when they close.
void BuildQuality(const LabelledCounters& p, MetricFamily* retransmits, MetricFamily* segments,
                  MetricFamily* rtt) {
  const auto& c = p.counters;
  for (int d = 0; d < SE_DIR_COUNT; ++d) {
    Labels labels = With(p, {{"direction", kDirections[d]}, {"port", p.port}});
    const uint64_t segs = c.data_segments_at_retransmit[d] + c.data_segments_at_close[d];
    if (c.retransmits[d] || segs) {
      AddCounter(retransmits, labels, c.retransmits[d]);
      AddCounter(segments, labels, segs);
    }
    if (HistCount(c.rtt[d])) AddHist(rtt, labels, c.rtt[d]);
  }
}

}  // namespace

std::vector<double> DurationBucketBounds() {
  std::vector<double> bounds;
  for (int i = 0; i < SE_HIST_FINITE; ++i)
    bounds.push_back(static_cast<double>(1ULL << (SE_HIST_MIN_SHIFT + i)) / 1e9);
  return bounds;
}

std::vector<MetricFamily> BuildTcpCounterFamilies(const std::vector<LabelledCounters>& ports) {
  auto connects = MakeFamily("socket_tcp_connects_total",
                             "Outbound TCP connection attempts (SYN sent) by service port.",
                             MetricType::Counter);
  auto failures = MakeFamily("socket_tcp_connect_failures_total",
                             "Outbound TCP connection attempts that never reached ESTABLISHED.",
                             MetricType::Counter);
  auto connect_duration = MakeFamily("socket_tcp_connect_duration_seconds",
                                     "Time from SYN sent to ESTABLISHED of successful connects.",
                                     MetricType::Histogram);
  auto accepts =
      MakeFamily("socket_tcp_accepts_total",
                 "Inbound TCP connections that completed the handshake on a listening port.",
                 MetricType::Counter);
  auto rst_sent =
      MakeFamily("socket_tcp_resets_sent_total", "TCP resets sent.", MetricType::Counter);
  auto rst_received =
      MakeFamily("socket_tcp_resets_received_total", "TCP resets received.", MetricType::Counter);
  auto duration =
      MakeFamily("socket_tcp_connection_duration_seconds",
                 "Lifetime of TCP connections from ESTABLISHED to closed.", MetricType::Histogram);
  auto sent = MakeFamily("socket_tcp_sent_bytes_total",
                         "Payload bytes sent by TCP connections, added when they close.",
                         MetricType::Counter);
  auto received = MakeFamily("socket_tcp_received_bytes_total",
                             "Payload bytes received by TCP connections, added when they close.",
                             MetricType::Counter);
  auto syns = MakeFamily("socket_tcp_syns_received_total",
                         "SYNs that reached a listening socket, whatever their outcome.",
                         MetricType::Counter);
  auto synack = MakeFamily("socket_tcp_synack_retransmits_total",
                           "SYN-ACKs retransmitted by a listening socket.", MetricType::Counter);
  auto retransmits =
      MakeFamily("socket_tcp_retransmitted_segments_total",
                 "TCP segments retransmitted (SYN-ACKs of listeners apart), counted as they are "
                 "sent, by service port and direction.",
                 MetricType::Counter);
  auto segments = MakeFamily(
      "socket_tcp_sent_segments_total",
      "TCP segments with data sent, retransmissions included (tcp_sock.data_segs_out), brought "
      "up to date at each retransmission and at close.",
      MetricType::Counter);
  auto rtt = MakeFamily("socket_tcp_rtt_seconds",
                        "Smoothed round-trip time (srtt) of TCP connections when they close.",
                        MetricType::Histogram);
  for (const auto& p : ports) {
    BuildQuality(p, &retransmits, &segments, &rtt);
    if (p.counters.syns_received)
      AddCounter(&syns, With(p, {{"port", p.port}}), p.counters.syns_received);
    if (p.counters.synack_retransmits)
      AddCounter(&synack, With(p, {{"port", p.port}}), p.counters.synack_retransmits);
    BuildOutbound(p, &connects, &failures, &connect_duration);
    if (p.counters.accepts) AddCounter(&accepts, With(p, {{"port", p.port}}), p.counters.accepts);
    BuildResets(p, &rst_sent, &rst_received);
    BuildConnections(p, &duration, &sent, &received);
  }
  return {connects, failures, connect_duration, accepts, rst_sent, rst_received, duration,
          sent,     received, syns,             synack,  retransmits, segments, rtt};
}

CollectorResult CollectTcpCounters(const KernelSnapshot& kernel) {
  std::vector<MetricFamily> families = BuildTcpCounterFamilies(kernel.counters);
  for (auto& f : BuildUdpCounterFamilies(kernel.counters)) families.push_back(std::move(f));
  return Succeeded(std::move(families));
}

}  // namespace se
