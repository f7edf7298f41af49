#include "collectors/collect_all.h"

#include "collectors/families.h"
#include "logging/log.h"

namespace se {

std::vector<prometheus::MetricFamily> CollectAll(std::vector<CollectorRun> runs) {
  std::vector<prometheus::MetricFamily> out;
  auto duration =
      MakeFamily("socket_exporter_scrape_collector_duration_seconds",
                 "Duration of a collector's part of the scrape.", prometheus::MetricType::Gauge);
  auto success =
      MakeFamily("socket_exporter_scrape_collector_success",
                 "Whether a collector succeeded in this scrape.", prometheus::MetricType::Gauge);
  for (CollectorRun& run : runs) {
    const bool ok = run.result.error.empty();
    if (!ok) log::Warn("collector failed", {{"collector", run.name}, {"err", run.result.error}});
    for (auto& f : run.result.families) out.push_back(std::move(f));
    AddGauge(&duration, {{"collector", run.name}}, run.seconds);
    AddGauge(&success, {{"collector", run.name}}, ok ? 1 : 0);
  }
  out.push_back(std::move(duration));
  out.push_back(std::move(success));
  return out;
}

}  // namespace se
