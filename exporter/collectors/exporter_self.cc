#include "collectors/exporter_self.h"

#include <chrono>
#include <exception>

#include "collectors/families.h"
#include "logging/log.h"

namespace se {

using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<MetricFamily> BuildExporterFamilies(const std::vector<ProgramStats>& stats) {
  auto build =
      MakeFamily("socket_exporter_build_info",
                 "A metric with a constant 1 labelled by version and revision.", MetricType::Gauge);
  AddGauge(&build, {{"version", SE_VERSION}, {"revision", SE_REVISION}}, 1);
  auto attached = MakeFamily("socket_exporter_probe_attached",
                             "Whether the BPF program of a probe is attached (1) or not (0).",
                             MetricType::Gauge);
  auto missed =
      MakeFamily("socket_exporter_bpf_missed_events_total",
                 "Program runs the kernel skipped because the program was already running "
                 "on that CPU.",
                 MetricType::Counter);
  auto runs = MakeFamily("socket_exporter_bpf_program_runs_total",
                         "Runs of a BPF program, counted while kernel.bpf_stats_enabled is 1.",
                         MetricType::Counter);
  auto run_time =
      MakeFamily("socket_exporter_bpf_program_run_seconds_total",
                 "Time spent in a BPF program, counted while kernel.bpf_stats_enabled is 1.",
                 MetricType::Counter);
  for (const auto& s : stats) {
    AddGauge(&attached, {{"probe", s.probe}}, s.attached ? 1 : 0);
    AddCounter(&missed, {{"probe", s.probe}}, s.missed_events);
    AddCounter(&runs, {{"probe", s.probe}}, s.run_count);
    AddCounter(&run_time, {{"probe", s.probe}}, s.run_time_ns / 1e9);
  }
  return {build, attached, missed, runs, run_time};
}

std::vector<MetricFamily> ExporterCollector::Collect() const {
  return BuildExporterFamilies(probe_->Stats());
}

std::vector<MetricFamily> CollectAll(const std::vector<NamedCollector>& collectors) {
  std::vector<MetricFamily> out;
  auto duration = MakeFamily("socket_exporter_scrape_collector_duration_seconds",
                             "Duration of a collector's part of the scrape.", MetricType::Gauge);
  auto success = MakeFamily("socket_exporter_scrape_collector_success",
                            "Whether a collector succeeded in this scrape.", MetricType::Gauge);
  for (const auto& c : collectors) {
    const auto start = std::chrono::steady_clock::now();
    bool ok = true;
    try {
      auto families = c.collector->Collect();
      for (auto& f : families) out.push_back(std::move(f));
      if (c.last_ok) ok = c.last_ok();
    } catch (const std::exception& e) {
      ok = false;
      log::Error("collector failed", {{"collector", c.name}, {"err", e.what()}});
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    AddGauge(&duration, {{"collector", c.name}}, took.count());
    AddGauge(&success, {{"collector", c.name}}, ok ? 1 : 0);
  }
  out.push_back(std::move(duration));
  out.push_back(std::move(success));
  return out;
}

}  // namespace se
