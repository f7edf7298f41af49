#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/config_file.h"

namespace se {

// One port label's kernel counters at one tick: cumulative counters plus current gauges.
struct PortSample {
  std::string port;
  uint64_t syns = 0;                // cumulative SYNs that reached a listener on the port
  uint64_t accepts = 0;             // cumulative completed handshakes
  uint64_t listen_drops = 0;        // cumulative handshakes dropped because a queue was full
  uint64_t synack_retransmits = 0;  // cumulative SYN-ACK retransmissions
  uint64_t half_open = 0;           // gauge: request sockets in SYN_RECV now
  uint64_t syn_backlog = 0;         // gauge: the listener's SYN backlog limit (0 = unknown)
};

// A flood episode starting or ending on a port, with the rates of the deciding tick.
struct FloodEvent {
  enum class Kind { kStart, kEnd };
  Kind kind = Kind::kStart;
  std::string port;
  double syn_rate = 0;
  double completion_ratio = 1;
  double listen_drop_rate = 0;
  double synack_retransmit_rate = 0;
  uint64_t half_open = 0;
};

// Per-port SYN flood state machine. Pure and deterministic: time only enters through the
// elapsed seconds passed to Tick, so it is fully testable without a clock.
class SynFloodDetector {
 public:
  explicit SynFloodDetector(const SynFloodConfig& config);
  // New thresholds from a reloaded config, from the next tick; episodes, streaks and counts
  // carry on.
  void SetConfig(const SynFloodConfig& config) { config_ = config; }

  // Advances every port by one tick. Events come in sample order, then missing ports by
  // label. elapsed_seconds <= 0 is ignored. A repeated label within one tick is ignored.
  std::vector<FloodEvent> Tick(double elapsed_seconds, const std::vector<PortSample>& samples);

  bool Active(const std::string& port) const;
  // Episodes started on the port since the detector was created.
  uint64_t Detections(const std::string& port) const;
  // Ports currently in an episode, sorted.
  std::vector<std::string> ActivePorts() const;

  // Ticks a port may be absent (while inactive) before its state is forgotten.
  static constexpr uint32_t kForgetAfterTicks = 600;

 private:
  struct PortState {
    bool has_baseline = false;
    PortSample last;                  // counters of the previous sample (the baseline)
    double seconds_since_sample = 0;  // elapsed since `last`, across missing ticks
    uint32_t suspect_streak = 0;
    uint32_t calm_streak = 0;
    uint32_t absent_ticks = 0;
    bool active = false;
  };

  struct Rates {
    double syn_rate = 0;
    double completion_ratio = 1;
    double listen_drop_rate = 0;
    double synack_retransmit_rate = 0;
    uint64_t half_open = 0;
  };

  // Updates the baseline; returns false when the tick yields no rate (first or reset).
  static bool TakeSample(const PortSample& sample, PortState* state, Rates* rates);
  bool Suspect(const Rates& rates, uint64_t syn_backlog) const;
  // Feeds one suspect/calm verdict to the port's hysteresis; may append an event.
  void Advance(const std::string& port, bool suspect, const Rates& rates, PortState* state,
               std::vector<FloodEvent>* events);
  void AgeMissingPorts(double elapsed_seconds, const std::set<std::string>& seen,
                       std::vector<FloodEvent>* events);

  SynFloodConfig config_;
  std::map<std::string, PortState> ports_;
  // Kept apart from PortState so the count stays monotonic when idle state is forgotten.
  std::map<std::string, uint64_t> detections_;
};

}  // namespace se
