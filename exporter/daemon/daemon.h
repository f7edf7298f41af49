#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "collectors/collect_all.h"
#include "collectors/reload_status.h"
#include "config/config_file.h"
#include "config/options.h"
#include "detectors/detector_schedule.h"
#include "detectors/policy_monitor.h"
#include "detectors/scan_monitor.h"
#include "detectors/syn_flood_monitor.h"
#include "findings/finding_log.h"
#include "http/http_server.h"
#include "inventory/netns_scope.h"
#include "inventory/workload_names.h"
#include "live/rate_history.h"
#include "memory/trim_policy.h"
#include "parsers/process_table.h"
#include "probes/event_reader.h"
#include "probes/tcp_events_probe.h"
#include "snapshot/inventory_snapshot.h"
#include "system/owner_helper.h"

namespace se {

// Owns everything for the process's lifetime: the BPF programs, the namespace scope, the
// detectors and the HTTP server. Two paths run through it:
//  - the scrape (daemon/scrape.cc): HTTP -> kernel snapshot + socket tables -> collectors ->
//    text, on the HTTP server's threads, one at a time;
//  - the detector loop (daemon/detector_loop.cc): on its own thread, every detector at its
//    own cadence, reading the kernel snapshot and socket tables once per tick.
// Rare kernel events (closed ports, policy findings) reach the detectors through the event
// reader's thread (OnKernelEvent). SIGHUP reloads the config file (daemon/reload.cc).
class Daemon : public HttpEndpoints {
 public:
  explicit Daemon(Options options);
  ~Daemon() override;

  // Starts everything; false with a one-line *error and nothing left attached.
  bool Start(std::string* error);
  // Serves until SIGTERM or SIGINT; SIGHUP re-reads --config.file. The caller has blocked
  // these signals in every thread.
  void ServeUntilShutdown();
  // Re-reads --config.file (a bad file is logged and the running config stays in force) and
  // reopens --events.file.
  bool Reload();
  uint16_t http_port() const { return http_.port(); }
  // Replaces how programs are attached (tests use it to make one probe fail).
  void set_attach_fn(AttachFn attach) { attach_ = std::move(attach); }
  // Tests that run the daemon inside their own process turn the sandbox off: it cannot be undone.
  void set_sandboxed(bool sandboxed) { sandboxed_ = sandboxed; }

  // HttpEndpoints: one scrape, the JSON API (daemon/api.cc), and readiness.
  std::optional<std::string> Metrics() override;
  std::optional<std::string> Ports() override;
  std::optional<std::string> History() override;
  std::optional<std::string> Findings() override;
  bool Ready() const override { return ready_.load(); }

 private:
  bool OpenProbes(std::string* error);
  bool StartDetectors(std::string* error);
  // Drops the capabilities not needed after start-up and sets no_new_privs.
  bool EnterSandbox(std::string* error);
  // The seccomp allowlist, on every thread.
  bool InstallFilter(std::string* error);
  void TrackExistingListeners();
  // Socket owners: from the owner helper once it runs, read directly before that or unsandboxed.
  ProcessTable ScanOwners();
  // The owners of these listeners, scanned only for a listener not looked for before (with
  // scope_mu_ held, as every TakeInventory is).
  ProcessTable Owners(const std::vector<uint64_t>& inodes);

  std::string Scrape();
  // Per-workload attribution (daemon/workloads.cc).
  bool ConfigureAttribution(TcpEventsConfig* config, std::string* error);
  void RecycleWorkloads();  // on the detector thread
  CollectorResult CollectTcp(const KernelSnapshot& kernel);
  static constexpr std::chrono::seconds kWorkloadCheckEvery{5};
  void RunDetectorLoop();
  void DetectorTick(const DetectorSchedule::Due& due);
  bool RediscoverNamespaces();  // with scope_mu_ held
  void ReturnFreeMemory();      // on the detector thread
  std::atomic<uint64_t> renders_{0};  // since the detector thread last looked
  bool rendered_since_trim_ = false;
  TrimPolicy trim_policy_{TrimPolicy::Limits{}, TrimPolicy::Clock::now()};
  // udp: UDP listeners too (the policy checks listeners); with scope_mu_ held.
  InventorySnapshot DetectorTables(const KernelSnapshot* kernel, bool udp);
  static constexpr std::chrono::seconds kTcpRereadEvery{30};
  static constexpr std::chrono::seconds kRediscoverEvery{60};
  void OnKernelEvent(const se_event& event);
  void StopDetectorLoop();

  Options options_;
  Config config_;
  std::unique_ptr<NetnsScope> scope_;
  // The scope's per-namespace sockets serve one reader at a time: a scrape or a tick.
  std::mutex scope_mu_;
  std::unique_ptr<TcpEventsProbe> probe_;
  std::unique_ptr<FindingLog> findings_;
  std::unique_ptr<SynFloodMonitor> syn_flood_;
  std::unique_ptr<ScanMonitor> scans_;
  std::unique_ptr<PolicyMonitor> policy_;
  std::unique_ptr<EventReader> events_;
  std::unique_ptr<OwnerHelper> owners_;  // started just before the sandbox, when sandboxed
  OwnerCache owner_cache_;               // guarded by scope_mu_
  // The detector tick's view of new namespaces (--netns=all): the kernel's listen() count it
  // has looked at, and when it last looked; guarded by scope_mu_.
  uint64_t listens_seen_ = 0;
  std::chrono::steady_clock::time_point rediscovered_{};
  // The detector's last TCP read (DetectorTables), with the kernel's counts it was taken at;
  // guarded by scope_mu_.
  struct TcpRead {
    bool done = false;
    uint64_t changes = 0, syns = 0;  // ListenerChanges(), SYNs counted
    std::chrono::steady_clock::time_point at{};
    bool half_open = false;  // it found half-open handshakes
    std::vector<Listener> listeners;
  } tcp_read_;
  bool syn_counter_complete_ = false;  // attached, and seeing every listener in scope
  // --attribution=cgroup: names for the scrape; on the detector thread, when each gone
  // workload was first seen gone, the slots being released and when they were last checked.
  std::unique_ptr<WorkloadNames> workload_names_;
  std::map<uint32_t, std::chrono::steady_clock::time_point> gone_;
  std::set<uint32_t> releasing_;
  std::chrono::steady_clock::time_point workloads_checked_{};
  ReloadStatus reload_status_;
  RateHistory history_;  // the live view's rates, recorded by the detector loop
  AttachFn attach_ = DefaultAttach();
  std::string syn_hook_why_;  // why --probes.syn-hook resolved as it did, for the log
  bool sandboxed_ = true;     // capabilities dropped, no_new_privs and seccomp after start-up
  std::mutex scrape_mu_;      // one scrape at a time; held while the probes go away
  std::atomic<bool> ready_{false};

  // The detector loop's thread and what it waits on (loop_mu_ guards schedule_, stop_).
  std::mutex loop_mu_;
  std::condition_variable loop_wake_;
  std::optional<DetectorSchedule> schedule_;
  bool stop_ = false;
  std::thread loop_;

  HttpServer http_;  // last: stopped first, before what its handlers use goes away
};

}  // namespace se
