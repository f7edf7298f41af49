#include "collectors/reload_status.h"

#include <chrono>

#include "collectors/families.h"

namespace se {

ReloadStatus::ReloadStatus() { Record(true); }

void ReloadStatus::Record(bool ok) {
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::lock_guard<std::mutex> lock(mu_);
  state_.ok = ok;
  if (ok) state_.success_time = now;
}

ReloadState ReloadStatus::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::vector<prometheus::MetricFamily> BuildReloadFamilies(const ReloadState& state) {
  auto ok = MakeFamily("socket_exporter_config_last_reload_successful",
                       "1 if the last configuration load (start or SIGHUP) succeeded.",
                       prometheus::MetricType::Gauge);
  AddGauge(&ok, {}, state.ok ? 1 : 0);
  auto when = MakeFamily("socket_exporter_config_last_reload_success_timestamp_seconds",
                         "Time of the last successful configuration load, in Unix seconds.",
                         prometheus::MetricType::Gauge);
  AddGauge(&when, {}, state.success_time);
  return {ok, when};
}

CollectorResult CollectConfig(const ReloadState& state) {
  return Succeeded(BuildReloadFamilies(state));
}

}  // namespace se
