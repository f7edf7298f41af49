#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <string>
#include <vector>

#include "collectors/collect_all.h"
#include "snapshot/kernel_snapshot.h"

namespace se {

// Upper bounds, in seconds, of the kernel's log2 duration buckets (without +Inf).
std::vector<double> DurationBucketBounds();

// The per-port TCP counter and histogram families (pure: no kernel access).
std::vector<prometheus::MetricFamily> BuildTcpCounterFamilies(
    const std::vector<LabelledCounters>& ports);

// The "tcp" collector: the snapshot's folded counters as families.
CollectorResult CollectTcpCounters(const KernelSnapshot& kernel);

}  // namespace se
