// Daemon: per-workload attribution (--attribution=cgroup). The probe's cells and slots are
// sized from the flags, the workloads are named for the scrape, and the slots of workloads
// whose cgroup is gone are recycled on the detector thread (docs/attribution.md).
#include <bpf/libbpf.h>

#include <algorithm>

#include "collectors/tcp_counters.h"
#include "collectors/workload_families.h"
#include "daemon/daemon.h"
#include "logging/log.h"
#include "system/cgroup_tree.h"

namespace se {

bool Daemon::ConfigureAttribution(TcpEventsConfig* config, std::string* error) {
  if (!options_.Attributed()) return true;
  const std::string root = Cgroup2Root();
  if (root.empty()) {
    *error =
        "--attribution=cgroup needs the cgroup v2 hierarchy, but /proc/self/mounts has no "
        "cgroup2 mount: mount it (mount -t cgroup2 none /sys/fs/cgroup) or run with "
        "--attribution=none";
    return false;
  }
  if (CgroupIdOf(root) != kRootCgroupId)
    log::Warn(
        "the cgroup v2 mount is not the hierarchy's root (a cgroup namespace?): workloads "
        "outside it are named by cgroup id only",
        {{"mount", root}});
  config->attribution = true;
  config->max_workloads = options_.workloads_max + 1;  // slot 0 is "other"
  // The budget's cells, within SE_MAX_CELLS and within 64 MiB of per-CPU counters, ports
  // included (docs/architecture.md, "Memory").
  const uint64_t per_cell = sizeof(se_port_counters) * std::max(1, libbpf_num_possible_cpus());
  const uint64_t fit = (64ULL << 20) / per_cell;
  const uint64_t cap = std::min<uint64_t>(SE_MAX_CELLS, fit);
  const uint64_t room = cap > config->max_slots ? cap - config->max_slots : 0;
  const uint64_t wanted = options_.metrics_max_series / SeriesPerCell();
  config->cells = static_cast<uint32_t>(std::min(room, wanted));
  if (wanted > room)
    log::Warn(
        "--metrics.max-series allows more workload cells than fit in 64 MiB of per-CPU "
        "counters on this machine: fewer cells, more folding into workload=\"other\"",
        {{"cells", std::to_string(config->cells)}, {"wanted", std::to_string(wanted)}});
  workload_names_ = std::make_unique<WorkloadNames>(root, options_.runtime_roots);
  log::Debug("per-workload attribution", {{"cgroup_root", root},
                                          {"workloads_max", std::to_string(options_.workloads_max)},
                                          {"cells", std::to_string(config->cells)}});
  return true;
}

// Every tick: new workloads are named. Every kWorkloadCheckEvery: each workload slot whose
// cgroup has been gone for --workloads.retention (and two checks) is unpublished (its series
// go), then released a tick at a time until its cells are clear and free.
void Daemon::RecycleWorkloads() {
  if (!workload_names_) return;
  const auto now = std::chrono::steady_clock::now();
  for (auto it = releasing_.begin(); it != releasing_.end();) {
    it = probe_->ReleaseWorkload(*it) ? releasing_.erase(it) : std::next(it);
  }
  // Named while they exist, even if no scrape comes before they are gone (a crash loop).
  const std::vector<std::pair<uint32_t, uint64_t>> workloads = probe_->Workloads();
  std::vector<uint64_t> cgroups;
  for (const auto& w : workloads) cgroups.push_back(w.second);
  workload_names_->Resolve(cgroups);
  if (now - workloads_checked_ < kWorkloadCheckEvery) return;
  workloads_checked_ = now;
  // Gone at two checks in a row at least: a cgroup created since the tree's last walk is not
  // found by the first (the tree walks again at most once a second).
  const auto retention = std::max<std::chrono::steady_clock::duration>(
      std::chrono::seconds(options_.workloads_retention_s), kWorkloadCheckEvery);
  std::map<uint32_t, std::chrono::steady_clock::time_point> gone;
  for (const auto& [slot, cgroup] : workloads) {
    if (slot <= SE_WORKLOAD_HOST || workload_names_->Exists(cgroup)) continue;
    const auto since = gone_.count(slot) ? gone_[slot] : now;
    if (now - since < retention) {
      gone[slot] = since;
      continue;
    }
    probe_->UnpublishWorkload(slot);
    workload_names_->Forget(cgroup);
    releasing_.insert(slot);
    log::Debug("workload gone: its series are removed and its slot recycled",
               {{"slot", std::to_string(slot)}, {"cgroup_id", std::to_string(cgroup)}});
  }
  gone_ = std::move(gone);
}

CollectorResult Daemon::CollectTcp(const KernelSnapshot& kernel) {
  if (!workload_names_) return CollectTcpCounters(kernel);
  return CollectWorkloadTcpCounters(kernel, workload_names_->Resolve(kernel.workload_cgroups));
}

}  // namespace se
