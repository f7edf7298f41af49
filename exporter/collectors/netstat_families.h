#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "collectors/collect_all.h"
#include "parsers/netstat_parse.h"

namespace se {

std::vector<prometheus::MetricFamily> BuildNetstatFamilies(const NetstatCounters& counters);

// The "netstat" collector: the kernel's TcpExt counters of the namespaces in scope.
CollectorResult CollectNetstat(const NetstatReading& reading);

}  // namespace se
