#include "collectors/exporter_self.h"

#include "collectors/families.h"
#include "config/build_info.h"

namespace se {

using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<MetricFamily> BuildExporterFamilies(const std::vector<ProgramStats>& stats) {
  auto build =
      MakeFamily("socket_exporter_build_info",
                 "A metric with a constant 1 labelled by version and revision.", MetricType::Gauge);
  AddGauge(&build, {{"version", build::Version()}, {"revision", build::Revision()}}, 1);
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

CollectorResult CollectExporter(const KernelSnapshot& kernel) {
  return Succeeded(BuildExporterFamilies(kernel.programs));
}

}  // namespace se
