#pragma once

#include <prometheus/metric_family.h>

#include <mutex>
#include <vector>

#include "collectors/collect_all.h"

namespace se {

// Outcome of the last configuration load (start-up or SIGHUP).
struct ReloadState {
  bool ok = true;
  double success_time = 0;  // Unix seconds of the last successful load
};

// Records configuration loads; thread-safe (SIGHUP on the main thread, scrapes elsewhere).
class ReloadStatus {
 public:
  ReloadStatus();  // the start-up load, which succeeded if the daemon runs
  void Record(bool ok);
  ReloadState State() const;

 private:
  mutable std::mutex mu_;
  ReloadState state_;
};

// socket_exporter_config_last_reload_successful and _success_timestamp_seconds (pure).
std::vector<prometheus::MetricFamily> BuildReloadFamilies(const ReloadState& state);

// The "config" collector.
CollectorResult CollectConfig(const ReloadState& state);

}  // namespace se
