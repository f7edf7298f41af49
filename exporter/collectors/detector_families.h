#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <vector>

#include "collectors/collect_all.h"
#include "detectors/policy_monitor.h"
#include "detectors/scan_monitor.h"
#include "detectors/syn_flood_monitor.h"
#include "snapshot/kernel_snapshot.h"

namespace se {

// socket_syn_flood_active and socket_syn_flood_detections_total (pure).
std::vector<prometheus::MetricFamily> BuildSynFloodFamilies(const SynFloodState& state);

// The "syn_flood" collector.
CollectorResult CollectSynFlood(const SynFloodState& state);

// Policy findings (kernel-side rules from the kernel counters, unexpected listeners from
// the policy monitor, both by the kernel snapshot's port labels), scans, events lost and
// finding log lines suppressed (pure).
std::vector<prometheus::MetricFamily> BuildSecurityFamilies(const KernelSnapshot& kernel,
                                                            const ScanState& scans,
                                                            const PolicyState& policy,
                                                            uint64_t log_suppressed);

// The "security" collector.
CollectorResult CollectSecurity(const KernelSnapshot& kernel, const ScanState& scans,
                                const PolicyState& policy, uint64_t log_suppressed);

}  // namespace se
