#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "probes/tcp_events_probe.h"

namespace se {

// Families about the exporter itself: build info, probe state and BPF program costs (pure).
std::vector<prometheus::MetricFamily> BuildExporterFamilies(const std::vector<ProgramStats>& stats);

class ExporterCollector : public prometheus::Collectable {
 public:
  explicit ExporterCollector(const TcpEventsProbe* probe) : probe_(probe) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const TcpEventsProbe* probe_;
};

// A named collector, so each scrape can report its duration and success per collector.
struct NamedCollector {
  std::string name;
  std::shared_ptr<prometheus::Collectable> collector;
  std::function<bool()> last_ok;  // optional: false if the last Collect() degraded
};

// Runs every collector and appends socket_exporter_scrape_collector_{duration_seconds,success}.
std::vector<prometheus::MetricFamily> CollectAll(const std::vector<NamedCollector>& collectors);

}  // namespace se
