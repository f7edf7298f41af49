#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "collectors/collect_all.h"
#include "snapshot/kernel_snapshot.h"

namespace se {

// Families about the exporter itself: build info, probe state and BPF program costs (pure).
std::vector<prometheus::MetricFamily> BuildExporterFamilies(const std::vector<ProgramStats>& stats);

// The "exporter" collector.
CollectorResult CollectExporter(const KernelSnapshot& kernel);

}  // namespace se
