// Daemon: SIGHUP reopens --events.file and reloads --config.file.
#include "daemon/daemon.h"
#include "logging/log.h"

namespace se {

bool Daemon::Reload() {
  // Log rotation renames the events file and sends SIGHUP: write to the path anew.
  if (findings_) findings_->Reopen();
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
  reload_status_.Record(ok);
  if (!ok) {
    log::Error("configuration reload failed; the previous configuration stays in force",
               {{"file", options_.config_file}, {"error", error}});
    return false;
  }
  syn_flood_->Reconfigure(fresh.syn_flood);
  scans_->Reconfigure(fresh.port_scan);
  policy_->Reconfigure(fresh.policy);
  findings_->Reconfigure(fresh.event_log);
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    schedule_->SetCadences(fresh);
  }
  loop_wake_.notify_all();
  config_ = fresh;
  log::Info("configuration reloaded", {{"file", options_.config_file}});
  return true;
}

}  // namespace se
