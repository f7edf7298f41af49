#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <string>
#include <vector>

#include "collectors/collect_all.h"
#include "parsers/workload_identity.h"
#include "snapshot/kernel_snapshot.h"

namespace se {

// Most series one (workload, port) cell can produce in the per-port TCP families: every
// counter of se_port_counters that has a series, every histogram with its buckets, sum and
// count. The series budget (--metrics.max-series) divided by this is the number of cells.
size_t SeriesPerCell();

// Label values of each workload slot that has counters: slot 0 is "other", slot 1 "host".
// names[w] is slot w's identity (empty workload: unused); a key shared by several slots (a
// restarted container, whose old cgroup lingers until recycled) stays with the newest cgroup
// (the largest id), the others get "@ID" appended, so every series has one source.
std::vector<WorkloadIdentity> WorkloadLabels(std::vector<WorkloadIdentity> names,
                                             const std::vector<uint64_t>& cgroups);

// The snapshot's per-workload counters as rows of the per-port families, each with its
// workload's labels (workload always; namespace, pod and container where known). Rows of slots
// without a name are left out.
std::vector<LabelledCounters> WorkloadRows(const std::vector<WorkloadCounters>& cells,
                                           const std::vector<WorkloadIdentity>& labels);

// The "tcp" collector with --attribution=cgroup: the per-port families per workload, plus
// socket_workload_info and socket_exporter_series.
CollectorResult CollectWorkloadTcpCounters(const KernelSnapshot& kernel,
                                           const std::vector<WorkloadIdentity>& names);

}  // namespace se
