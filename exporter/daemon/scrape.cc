// Daemon: the scrape path. HTTP -> one kernel snapshot and one read of the socket tables
// -> every collector, each a function of what was read -> text.
#include "collectors/collect_all.h"
#include "collectors/detector_families.h"
#include "collectors/exporter_self.h"
#include "collectors/inventory_families.h"
#include "collectors/netstat_families.h"
#include "collectors/reload_status.h"
#include "collectors/tcp_counters.h"
#include "collectors/text_exposition.h"
#include "daemon/daemon.h"
#include "inventory/inventory.h"
#include "inventory/netstat.h"

namespace se {

std::optional<std::string> Daemon::Metrics() {
  std::lock_guard<std::mutex> lock(scrape_mu_);
  if (!probe_) return std::nullopt;  // shutting down
  ++renders_;
  return Scrape();
}

std::string Daemon::Scrape() {
  // Read once, before any collector, by every collector that needs it.
  const KernelSnapshot kernel = probe_->Snapshot();
  std::vector<CollectorRun> runs;
  runs.push_back(RunCollector("tcp", [&] { return CollectTcp(kernel); }));
  {
    std::lock_guard<std::mutex> lock(scope_mu_);
    const ScopeReading scope = scope_->Refresh();
    runs.push_back(RunCollector("inventory", [&] {
      return CollectInventory(
          TakeInventory(scope,
                        [this](const std::vector<uint64_t>& inodes) { return Owners(inodes); }),
          kernel);
    }));
    runs.push_back(
        RunCollector("netstat", [&] { return CollectNetstat(ReadNetstatCounters(scope)); }));
  }
  runs.push_back(RunCollector("syn_flood", [&] { return CollectSynFlood(syn_flood_->State()); }));
  runs.push_back(RunCollector("security", [&] {
    return CollectSecurity(kernel, scans_->State(), policy_->State(), findings_->suppressed());
  }));
  runs.push_back(RunCollector("config", [&] { return CollectConfig(reload_status_.State()); }));
  runs.push_back(RunCollector("exporter", [&] { return CollectExporter(kernel); }));
  return TextExposition(CollectAll(std::move(runs)));
}

}  // namespace se
