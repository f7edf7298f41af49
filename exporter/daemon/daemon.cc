// Daemon: start-up, shutdown and the signal loop.
#include "daemon/daemon.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <csignal>

#include "config/build_info.h"
#include "config/listen_address.h"
#include "http/tls_session.h"
#include "inventory/inventory.h"
#include "logging/log.h"
#include "memory/counter_budget.h"
#include "system/preflight.h"
#include "system/privileges.h"
#include "system/seccomp_filter.h"

namespace se {

Daemon::Daemon(Options options) : options_(std::move(options)) {}

Daemon::~Daemon() {
  ready_ = false;
  StopDetectorLoop();
  events_.reset();
  {
    // Detach first, so a scrape still running on the HTTP pool finds the probes gone.
    std::lock_guard<std::mutex> lock(scrape_mu_);
    probe_.reset();
  }
  http_.Stop();
}

bool Daemon::OpenProbes(std::string* error) {
  TcpEventsConfig config;
  config.netns_ino = static_cast<uint32_t>(scope_->inode());
  config.max_slots = options_.ports_max + 1;
  *error = CounterBudgetError(options_.ports_max, sizeof(se_port_counters),
                              libbpf_num_possible_cpus());
  if (!error->empty()) return false;
  config.conn_table_bits = static_cast<uint32_t>(__builtin_ctz(options_.conn_table_entries));
  ReadEphemeralRange(options_.procfs, &config.ephemeral_low, &config.ephemeral_high);
  config.syn_hook = ResolveSynHook(options_.syn_hook, options_.netns_mode, &syn_hook_why_);
  UniqueFd syn_netns;  // kTc with --netns=PATH: the interfaces are that namespace's (the probe
                       // keeps its own duplicate)
  if (config.syn_hook == SynHook::kTc && options_.netns_mode == NetnsMode::kPath) {
    uint64_t inode = 0;
    syn_netns = OpenNetnsPath(options_.netns_path, &inode, error);
    if (!syn_netns) return false;
    config.syn_netns_fd = syn_netns.get();
  }
  if (!ConfigureAttribution(&config, error)) return false;
  probe_ = TcpEventsProbe::Open(config, error);
  if (!probe_) return false;
  log::Debug(
      "BPF programs loaded",
      {{"netns", options_.netns_mode == NetnsMode::kAll ? "all" : std::to_string(config.netns_ino)},
       {"ports_max", std::to_string(options_.ports_max)},
       {"ephemeral_range",
        std::to_string(config.ephemeral_low) + "-" + std::to_string(config.ephemeral_high)}});
  for (uint16_t port : options_.track_ports) probe_->TrackPort(port, false);
  return true;
}

// The finding log, the policy in the kernel's maps and the three detectors; the reader of the
// kernel's rare events and the detector loop start after the sandbox (EnterSandbox).
bool Daemon::StartDetectors(std::string* error) {
  findings_ = FindingLog::Open(config_.event_log, options_.events_file, error);
  if (!findings_) return false;
  if (!probe_->SetPolicy(config_.policy, error)) {
    *error = "cannot load the connection policy into the kernel: " + *error;
    return false;
  }
  syn_flood_ = std::make_unique<SynFloodMonitor>(config_.syn_flood);
  scans_ = std::make_unique<ScanMonitor>(config_.port_scan, findings_.get());
  policy_ = std::make_unique<PolicyMonitor>(config_.policy, findings_.get());
  return true;
}

// Everything the exporter needs from its privileges is open or attached now, and this is the
// only thread: threads started later inherit the reduced set and the filter.
bool Daemon::EnterSandbox(std::string* error) {
  const bool map_needs_bpf = MapAccessNeedsCapBpf(probe_->policy_flags_fd());
  if (map_needs_bpf)
    log::Info("keeping CAP_BPF: this kernel refuses bpf() on open map fds without it");
  const std::vector<KeptCapability> keep = CapabilitiesToKeep(options_.netns_mode, map_needs_bpf);
  if (!DropPrivileges(keep, error)) {
    *error = "dropping privileges: " + *error;
    return false;
  }
  for (const KeptCapability& k : keep)
    log::Info("capability kept after start-up",
              {{"capability", CapabilityNames({k})}, {"why", k.why}});
  log::Debug("capabilities dropped", {{"kept", CapabilityNames(keep)}});
  return true;
}

bool Daemon::InstallFilter(std::string* error) {
  SeccompOptions seccomp;
  seccomp.log_format = options_.log_format;
  seccomp.allow_setns = options_.netns_mode == NetnsMode::kAll;
  return InstallSeccomp(seccomp, error);
}

void Daemon::TrackExistingListeners() {
  std::lock_guard<std::mutex> lock(scope_mu_);
  const InventorySnapshot tables = TakeInventory(
      scope_->Refresh(), [this](const std::vector<uint64_t>& inodes) { return Owners(inodes); });
  for (const auto& l : tables.listeners) {
    if (l.protocol == Protocol::kTcp) probe_->TrackPort(l.port, true);
  }
}

ProcessTable Daemon::ScanOwners() {
  log::Debug("scanning socket owners");
  return owners_ ? owners_->Scan() : ProcessTable::Scan(options_.procfs);
}

ProcessTable Daemon::Owners(const std::vector<uint64_t>& inodes) {
  return owner_cache_.For(inodes, [this] { return ScanOwners(); });
}

bool Daemon::Start(std::string* error) {
  const bool other_netns = options_.netns_mode != NetnsMode::kSelf;
  ListenAddress addr;
  if (!ParseListenAddress(options_.listen_address, &addr, error) ||
      !CheckBindable(addr, options_.listen_address, error))
    return false;
  if (!options_.config_file.empty() && !LoadConfigFile(options_.config_file, &config_, error)) {
    *error = "--config.file: " + *error;
    return false;
  }
  WebConfig web;
  if (!options_.web_config_file.empty() && (!LoadWebConfig(options_.web_config_file, &web, error) ||
                                            (web.tls && !CheckTlsMaterial(*web.tls, error)))) {
    *error = "--web.config.file: " + *error;
    return false;
  }
  if (!RaisePermittedCapabilities(error) || !CheckPrivileges(other_netns, error) ||
      !CheckKernelBtf(options_.sysfs, error))
    return false;
  // The owner helper forks first, while this is still the only thread and no BPF map, socket
  // or namespace file is open yet, so none of them reaches it; it keeps CAP_SYS_PTRACE.
  if (sandboxed_) owners_ = OwnerHelper::Start(options_.procfs, options_.log_format);
  scope_ = NetnsScope::Create(options_.netns_mode, options_.netns_path, options_.procfs, error);
  if (!scope_ || !OpenProbes(error) || !StartDetectors(error)) return false;
  if (!http_.Listen(options_.listen_address, error)) return false;
  // Listeners that exist now (the exporter's own HTTP socket among them) get their slots before
  // the programs run, so none of their first accepts falls into "other"; the second pass after
  // attaching catches those that appeared in between.
  TrackExistingListeners();
  if (!probe_->Attach(options_.probes_strict, attach_, error)) return false;
  if (!probe_->AnyAttached()) {
    *error = std::string("no BPF program could be attached (see the warnings above); ") +
             "socket_exporter needs " + kKernelRequirement;
    return false;
  }
  log::Info("SYN counter hook", {{"hook", probe_->syn_hook() == SynHook::kTc ? "tc" : "cgroup"},
                                 {"why", syn_hook_why_}});
  const std::string root_warning = CgroupRootWarning();
  const bool misses = probe_->syn_hook() == SynHook::kCgroup && !root_warning.empty();
  if (misses) log::Warn("SYN counter misses sockets", {{"err", root_warning}});
  syn_counter_complete_ = probe_->SynCounterAttached() && !misses;
  // After attaching: listeners opened from now on are tracked by the kernel itself.
  TrackExistingListeners();
  // No thread may exist before this point: each keeps the capabilities it started with.
  if (sandboxed_ && (!EnterSandbox(error) || !InstallFilter(error))) return false;
  // Events the kernel wrote since attaching wait in the ring buffer until here.
  events_ = EventReader::Start(
      probe_->events_fd(), [this](const se_event& e) { OnKernelEvent(e); }, error);
  if (!events_) return false;
  schedule_.emplace(config_, DetectorSchedule::Clock::now());
  loop_ = std::thread([this] { RunDetectorLoop(); });
  if (!http_.Serve(HttpConfigFor(options_, std::move(web)), this, error)) return false;
  ready_ = true;
  log::Info("socket_exporter started",
            {{"version", build::Version()}, {"revision", build::Revision()}});
  return true;
}

void Daemon::ServeUntilShutdown() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      Reload();
      continue;
    }
    log::Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    ready_ = false;
    return;
  }
}

}  // namespace se
