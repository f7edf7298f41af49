#include "collectors/workload_families.h"

#include <map>

#include "collectors/families.h"
#include "collectors/tcp_counters.h"
#include "collectors/udp_families.h"

namespace se {

using prometheus::MetricFamily;
using prometheus::MetricType;

size_t SeriesPerCell() {
  const size_t hist = SE_HIST_BUCKETS + 2;                    // buckets with +Inf, _sum, _count
  return 1 + SE_FAIL_COUNT + hist                             // connects, failures, connect time
         + 1                                                  // accepts
         + SE_DIR_COUNT * SE_RST_REASON_COUNT + SE_DIR_COUNT  // resets sent, received
         + SE_DIR_COUNT * (hist + 2)                          // lifetimes, bytes both ways
         + 2                                                  // SYNs, SYN-ACK retransmits
         + SE_DIR_COUNT * (2 + hist);                         // retransmits, segments, RTT
}

std::vector<WorkloadIdentity> WorkloadLabels(std::vector<WorkloadIdentity> names,
                                             const std::vector<uint64_t>& cgroups) {
  if (!names.empty()) {
    names[SE_WORKLOAD_OTHER] = WorkloadIdentity{};
    names[SE_WORKLOAD_OTHER].workload = "other";
  }
  std::map<std::string, uint32_t> newest;  // key -> slot of the largest cgroup id with it
  auto id = [&](uint32_t w) { return w < cgroups.size() ? cgroups[w] : 0; };
  for (uint32_t w = SE_WORKLOAD_HOST; w < names.size(); ++w) {
    if (names[w].workload.empty()) continue;
    auto [it, added] = newest.try_emplace(names[w].workload, w);
    if (!added && id(w) > id(it->second)) it->second = w;
  }
  for (uint32_t w = SE_WORKLOAD_HOST; w < names.size(); ++w) {
    if (!names[w].workload.empty() && newest[names[w].workload] != w)
      names[w].workload += "@" + std::to_string(id(w));
  }
  return names;
}

std::vector<LabelledCounters> WorkloadRows(const std::vector<WorkloadCounters>& cells,
                                           const std::vector<WorkloadIdentity>& labels) {
  std::vector<LabelledCounters> rows;
  for (const auto& cell : cells) {
    if (cell.workload >= labels.size() || labels[cell.workload].workload.empty()) continue;
    const WorkloadIdentity& w = labels[cell.workload];
    LabelledCounters row{cell.port, cell.counters, {}};
    if (!w.container.empty()) row.labels.emplace_back("container", w.container);
    if (!w.pod_namespace.empty()) row.labels.emplace_back("namespace", w.pod_namespace);
    if (!w.pod.empty()) row.labels.emplace_back("pod", w.pod);
    row.labels.emplace_back("workload", w.workload);
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

MetricFamily InfoFamily(const std::vector<WorkloadIdentity>& labels,
                        const std::vector<uint64_t>& cgroups) {
  auto info = MakeFamily("socket_workload_info",
                         "A workload with its own label value: its names and cgroup (1).",
                         MetricType::Gauge);
  for (uint32_t w = SE_WORKLOAD_HOST; w < labels.size(); ++w) {
    const WorkloadIdentity& i = labels[w];
    if (i.workload.empty() || w >= cgroups.size() || !cgroups[w]) continue;
    Labels l;
    if (!i.cgroup.empty()) l.push_back({"cgroup", i.cgroup});
    if (!i.container.empty()) l.push_back({"container", i.container});
    if (!i.container_id.empty()) l.push_back({"container_id", i.container_id});
    if (!i.pod_namespace.empty()) l.push_back({"namespace", i.pod_namespace});
    if (!i.pod.empty()) l.push_back({"pod", i.pod});
    if (!i.pod_uid.empty()) l.push_back({"pod_uid", i.pod_uid});
    l.push_back({"workload", i.workload});
    AddGauge(&info, std::move(l), 1);
  }
  return info;
}

}  // namespace

CollectorResult CollectWorkloadTcpCounters(const KernelSnapshot& kernel,
                                           const std::vector<WorkloadIdentity>& names) {
  const std::vector<WorkloadIdentity> labels = WorkloadLabels(names, kernel.workload_cgroups);
  const std::vector<LabelledCounters> rows = WorkloadRows(kernel.workloads, labels);
  std::vector<MetricFamily> families = BuildTcpCounterFamilies(rows);
  size_t series = 0;
  for (const auto& f : families) {
    for (const auto& m : f.metric)
      series += f.type == MetricType::Histogram ? m.histogram.bucket.size() + 2 : 1;
  }
  for (auto& f : BuildUdpCounterFamilies(rows)) families.push_back(std::move(f));
  families.push_back(InfoFamily(labels, kernel.workload_cgroups));
  auto count = MakeFamily("socket_exporter_series",
                          "Series of the per-port TCP families in this scrape (workloads "
                          "included); at most --metrics.max-series plus the per-port "
                          "workload=\"other\" series.",
                          MetricType::Gauge);
  AddGauge(&count, {}, static_cast<double>(series));
  families.push_back(std::move(count));
  auto folded = MakeFamily("socket_exporter_series_folded_total",
                           "Connections of a workload counted as workload=\"other\" because no "
                           "workload slot or (workload, port) cell was free.",
                           MetricType::Counter);
  AddCounter(&folded, {}, static_cast<double>(kernel.workload_folds));
  families.push_back(std::move(folded));
  return Succeeded(std::move(families));
}

}  // namespace se
