#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "net/port_folding.h"
#include "snapshot/kernel_snapshot.h"

namespace se {

// The per-second rates the live view shows, of one port label over one interval.
struct PortRates {
  float connects = 0;
  float accepts = 0;
  float connect_failures = 0;  // all reasons
  float resets_sent = 0;       // all directions and reasons
  float resets_received = 0;   // both directions
  float syns_received = 0;
  float retransmitted_segments = 0;  // both directions
  // Data segments sent, retransmissions included, as the kernel brings them up to date: at
  // each retransmission and at close.
  float sent_segments = 0;
  float udp_received_datagrams = 0;  // both directions, those dropped afterwards included
  float udp_received_bytes = 0;
  float udp_sent_datagrams = 0;
  float udp_sent_bytes = 0;
  float udp_drops[SE_UDP_DROP_COUNT] = {};  // by enum se_udp_drop
  float udp_no_socket = 0;
};

// The cumulative counters PortRates are rates of, summed over directions and (but drops)
// reasons (pure).
struct RateTotals {
  uint64_t connects = 0, accepts = 0, connect_failures = 0, resets_sent = 0, resets_received = 0,
           syns_received = 0, retransmitted_segments = 0, sent_segments = 0,
           udp_received_datagrams = 0, udp_received_bytes = 0, udp_sent_datagrams = 0,
           udp_sent_bytes = 0, udp_no_socket = 0;
  uint64_t udp_drops[SE_UDP_DROP_COUNT] = {};
};
RateTotals TotalsOf(const se_port_counters& c);
// Per second from `before` to `now` over `seconds` (> 0); a total that went down (a port that got
// its own slot leaves "other") counts as rate 0 (pure).
PortRates RatesBetween(const RateTotals& now, const RateTotals& before, double seconds);

// A bounded in-memory history of per-port rates, one sample per detector-loop interval,
// computed from the same kernel snapshots the scrape reads. Memory: at most
// capacity x (ports.max + 1) x sizeof(PortRates) (68 bytes) for the samples. Thread-safe: the
// detector loop records, HTTP threads read.
class RateHistory {
 public:
  static constexpr size_t kCapacity = 300;         // samples kept: ten minutes...
  static constexpr double kIntervalSeconds = 2.0;  // ...at one sample every two seconds

  explicit RateHistory(size_t capacity = kCapacity) : capacity_(capacity) {}

  // Adds the sample at unix_time: rates from the previous call's totals to these, over
  // elapsed_seconds (RatesBetween). The first call only keeps the totals.
  void Record(double unix_time, double elapsed_seconds,
              const std::vector<LabelledCounters>& counters);

  struct View {
    size_t capacity = 0;
    std::vector<double> times;                            // oldest first
    std::map<std::string, std::vector<PortRates>> ports;  // one value per time
  };
  View Get() const;
  // The rates of the newest sample by port label; empty before two Record calls.
  std::map<std::string, PortRates> Latest() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;  // guards everything below
  bool have_totals_ = false;
  std::map<std::string, RateTotals> totals_;  // of the previous Record
  std::deque<double> times_;
  std::map<std::string, std::deque<PortRates>, PortLabelLess> ports_;  // as long as times_
};

}  // namespace se
