// Daemon: the JSON API behind the live view (docs/api.md). /api/v1/ports reads the kernel and
// the socket tables exactly as a scrape does, so its totals are the scrape's numbers.
#include <chrono>

#include "daemon/daemon.h"
#include "inventory/inventory.h"
#include "live/api_json.h"
#include "live/port_view.h"

namespace se {

std::optional<std::string> Daemon::Ports() {
  std::lock_guard<std::mutex> lock(scrape_mu_);
  if (!probe_) return std::nullopt;  // shutting down
  const KernelSnapshot kernel = probe_->Snapshot();
  InventorySnapshot tables;
  {
    std::lock_guard<std::mutex> scope_lock(scope_mu_);
    tables = TakeInventory(scope_->Refresh(),
                           [this](const std::vector<uint64_t>& inodes) { return Owners(inodes); });
  }
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::vector<PortView> views =
      BuildPortViews(kernel, tables, syn_flood_->State(), history_.Latest());
  return PortsJson(now, views, kernel, scans_->State().flagged);
}

std::optional<std::string> Daemon::History() { return HistoryJson(history_.Get()); }

std::optional<std::string> Daemon::Findings() { return FindingsJson(findings_->Recent()); }

}  // namespace se
