#include "detectors/detector_schedule.h"

#include <algorithm>

#include "live/rate_history.h"

namespace se {

DetectorSchedule::DetectorSchedule(const Config& config, Clock::time_point start) {
  SetCadences(config);
  std::fill(std::begin(last_run_), std::end(last_run_), start);
}

void DetectorSchedule::SetCadences(const Config& config) {
  cadence_[static_cast<int>(Detector::kSynFlood)] = config.syn_flood.tick;
  cadence_[static_cast<int>(Detector::kPortScan)] = config.port_scan.tick;
  cadence_[static_cast<int>(Detector::kPolicy)] = config.policy.tick;
  cadence_[static_cast<int>(Detector::kRateHistory)] =
      std::chrono::milliseconds(static_cast<int64_t>(RateHistory::kIntervalSeconds * 1000));
}

DetectorSchedule::Clock::time_point DetectorSchedule::NextDue() const {
  Clock::time_point next = Clock::time_point::max();
  for (int i = 0; i < kDetectorCount; ++i) next = std::min(next, last_run_[i] + cadence_[i]);
  return next;
}

DetectorSchedule::Due DetectorSchedule::TakeDue(Clock::time_point now) {
  Due due;
  for (int i = 0; i < kDetectorCount; ++i) {
    if (now < last_run_[i] + cadence_[i]) continue;
    due.due[i] = true;
    due.elapsed_seconds[i] = std::chrono::duration<double>(now - last_run_[i]).count();
    last_run_[i] = now;
  }
  return due;
}

}  // namespace se
