#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "snapshot/kernel_snapshot.h"

namespace se {

// The per-port UDP counter families (pure: no kernel access). Rows with workload labels keep
// them: UDP counts at the port slot, so only workload="other" rows carry UDP counts.
std::vector<prometheus::MetricFamily> BuildUdpCounterFamilies(
    const std::vector<LabelledCounters>& ports);

}  // namespace se
