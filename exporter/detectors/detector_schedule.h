#pragma once

#include <chrono>

#include "config/config_file.h"

namespace se {

// What the detector loop runs. One tick runs those that are due in this order: the SYN flood
// detector, then port scans, then the listener policy, then the live view's rate history.
enum class Detector { kSynFlood, kPortScan, kPolicy, kRateHistory };
inline constexpr Detector kTickOrder[] = {Detector::kSynFlood, Detector::kPortScan,
                                          Detector::kPolicy, Detector::kRateHistory};
inline constexpr int kDetectorCount = 4;

// When each detector runs: every detector at its own configured cadence (syn_flood.tick,
// port_scan.tick, policy.tick; the rate history every RateHistory::kIntervalSeconds), counted
// from the loop's start. Pure: time enters only as
// arguments, so it is testable without a clock. Not thread-safe; the loop owns it.
class DetectorSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  DetectorSchedule(const Config& config, Clock::time_point start);

  // New cadences (after a reload): each detector's next run is its last run plus its new
  // cadence.
  void SetCadences(const Config& config);
  // The earliest time a detector is due.
  Clock::time_point NextDue() const;

  // The detectors due at now, in tick order, with the seconds since each last ran.
  struct Due {
    bool due[kDetectorCount] = {};
    double elapsed_seconds[kDetectorCount] = {};
    bool Any() const { return due[0] || due[1] || due[2] || due[3]; }
    bool operator[](Detector d) const { return due[static_cast<int>(d)]; }
    double Elapsed(Detector d) const { return elapsed_seconds[static_cast<int>(d)]; }
  };
  // Returns what is due at now and records those detectors as run at now.
  Due TakeDue(Clock::time_point now);

 private:
  std::chrono::milliseconds cadence_[kDetectorCount];
  Clock::time_point last_run_[kDetectorCount];
};

}  // namespace se
