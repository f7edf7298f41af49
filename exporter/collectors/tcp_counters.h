#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "socket_exporter.h"

namespace se {

// Counters of one port label value after folding (several slots may share "other").
struct LabelledCounters {
  std::string port;
  se_port_counters counters;
};

// Folds per-slot counters into per-label counters: slot 0 and unnamed slots are "other".
// Sorted by port number, "other" last.
std::vector<LabelledCounters> FoldSlots(const std::vector<se_port_counters>& slots,
                                        const std::vector<uint16_t>& slot_ports);

// Upper bounds, in seconds, of the kernel's log2 duration buckets (without +Inf).
std::vector<double> DurationBucketBounds();

// The per-port TCP counter and histogram families (pure: no kernel access).
std::vector<prometheus::MetricFamily> BuildTcpCounterFamilies(
    const std::vector<LabelledCounters>& ports);

// Turns the scrape's folded BPF counters (read once per scrape by the caller) into families.
class TcpCountersCollector : public prometheus::Collectable {
 public:
  using Source = std::function<std::vector<LabelledCounters>()>;
  explicit TcpCountersCollector(Source source) : source_(std::move(source)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Source source_;
};

}  // namespace se
