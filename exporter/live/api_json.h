#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "findings/finding_log.h"
#include "live/port_view.h"
#include "live/rate_history.h"
#include "snapshot/kernel_snapshot.h"

namespace se {

// The bodies of the JSON API (docs/api.md), pure functions of what one request read.

// GET /api/v1/ports: unix_time of the read, the port views, the probes' state, events lost
// and the sources flagged as scanning now.
std::string PortsJson(double unix_time, const std::vector<PortView>& ports,
                      const KernelSnapshot& kernel, uint64_t scan_sources);

// GET /api/v1/history.
std::string HistoryJson(const RateHistory::View& history);

// GET /api/v1/findings: newest first.
std::string FindingsJson(const std::vector<LoggedFinding>& findings);

}  // namespace se
