#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace se {

class NetnsScope;

// The kernel's own TcpExt counters, summed over the namespaces in scope.
struct NetstatCounters {
  uint64_t syncookies_sent = 0;
  uint64_t syncookies_failed = 0;
  uint64_t listen_overflows = 0;
};

// Adds one namespace's parsed netstat (ParseNetstat) into *sum.
void AddNetstat(const std::map<std::string, uint64_t>& parsed, NetstatCounters* sum);

std::vector<prometheus::MetricFamily> BuildNetstatFamilies(const NetstatCounters& counters);

// Reads /proc/net/netstat of every namespace in scope at scrape time. The scope is refreshed
// by the inventory collector, which runs first in the same scrape.
class NetstatCollector : public prometheus::Collectable {
 public:
  explicit NetstatCollector(const NetnsScope* scope) : scope_(scope) {}
  std::vector<prometheus::MetricFamily> Collect() const override;
  bool last_ok() const { return last_ok_.load(); }

 private:
  const NetnsScope* scope_;
  mutable std::atomic<bool> last_ok_{false};
};

}  // namespace se
