// Daemon: port scans and policy (event log, kernel policy maps, event reader) and config
// reloads on SIGHUP.
#include <chrono>

#include "collectors/families.h"
#include "daemon.h"
#include "logging/log.h"

namespace se {

ReloadStatus::ReloadStatus() { Record(true); }

void ReloadStatus::Record(bool ok) {
  ok_ = ok;
  if (ok)
    success_time_ =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::vector<prometheus::MetricFamily> ReloadStatus::Collect() const {
  auto ok = MakeFamily("socket_exporter_config_last_reload_successful",
                       "1 if the last configuration load (start or SIGHUP) succeeded.",
                       prometheus::MetricType::Gauge);
  AddGauge(&ok, {}, ok_ ? 1 : 0);
  auto when = MakeFamily("socket_exporter_config_last_reload_success_timestamp_seconds",
                         "Time of the last successful configuration load, in Unix seconds.",
                         prometheus::MetricType::Gauge);
  AddGauge(&when, {}, success_time_);
  return {ok, when};
}

bool Daemon::StartSecurity(std::string* error) {
  std::unique_ptr<EventLog> log = EventLog::Open(config_.event_log, options_.events_file, error);
  if (!log) return false;
  if (!probe_->SetPolicy(config_.policy, error)) {
    *error = "cannot load the connection policy into the kernel: " + *error;
    return false;
  }
  SecurityMonitor::Sources sources;
  sources.port_label = [this](uint16_t port) { return port_labels_.Label(port); };
  sources.counters = [this] { return scrape_counters_; };
  sources.events_lost = [this] { return probe_->EventsLost(); };
  security_ = std::make_shared<SecurityMonitor>(config_, std::move(log), std::move(sources));
  events_ = EventReader::Start(
      probe_->events_fd(), [this](const se_event& e) { security_->OnEvent(e); }, error);
  return events_ != nullptr;
}

bool Daemon::Reload() {
  if (options_.config_file.empty()) {
    log::Info("SIGHUP: no --config.file to reload");
    return true;
  }
  Config fresh;
  std::string error;
  bool ok = LoadConfigFile(options_.config_file, &fresh, &error);
  if (ok && !probe_->SetPolicy(fresh.policy, &error)) {
    std::string ignored;
    probe_->SetPolicy(config_.policy, &ignored);  // back to the rules in force
    ok = false;
  }
  reload_status_->Record(ok);
  if (!ok) {
    log::Error("configuration reload failed; the previous configuration stays in force",
               {{"file", options_.config_file}, {"error", error}});
    return false;
  }
  syn_flood_->Reconfigure(fresh.syn_flood);
  security_->Reconfigure(fresh);
  config_ = fresh;
  log::Info("configuration reloaded", {{"file", options_.config_file}});
  return true;
}

}  // namespace se
