// Daemon: SIGHUP reopens --events.file and reloads --config.file and --web.config.file.
#include "daemon/daemon.h"
#include "http/tls_session.h"
#include "logging/log.h"

namespace se {
namespace {

// TLS keys and users take effect for new connections; a bad file keeps the old server.
bool ReloadWebConfig(const Options& options, HttpServer* http) {
  WebConfig web;
  std::string error;
  if (!LoadWebConfig(options.web_config_file, &web, &error) ||
      (web.tls && !CheckTlsMaterial(*web.tls, &error)) ||
      !http->Reconfigure(HttpConfigFor(options, std::move(web)), &error)) {
    log::Error("web configuration reload failed; the previous one stays in force",
               {{"file", options.web_config_file}, {"error", error}});
    return false;
  }
  log::Info("web configuration reloaded", {{"file", options.web_config_file}});
  return true;
}

}  // namespace

bool Daemon::Reload() {
  // Log rotation renames the events file and sends SIGHUP: write to the path anew.
  if (findings_) findings_->Reopen();
  const bool web_ok = options_.web_config_file.empty() || ReloadWebConfig(options_, &http_);
  if (options_.config_file.empty()) {
    if (options_.web_config_file.empty()) log::Info("SIGHUP: no --config.file to reload");
    if (!options_.web_config_file.empty()) reload_status_.Record(web_ok);
    return web_ok;
  }
  Config fresh;
  std::string error;
  bool ok = LoadConfigFile(options_.config_file, &fresh, &error);
  if (ok && !probe_->SetPolicy(fresh.policy, &error)) {
    std::string ignored;
    probe_->SetPolicy(config_.policy, &ignored);  // back to the rules in force
    ok = false;
  }
  reload_status_.Record(ok && web_ok);
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
  return web_ok;
}

}  // namespace se
