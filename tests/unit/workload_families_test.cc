#include "collectors/workload_families.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "collectors/text_exposition.h"

namespace se {
namespace {

// A cell with every counter and histogram bucket non-zero.
se_port_counters Busy() {
  se_port_counters c{};
  auto fill = [](se_hist* h) {
    for (auto& b : h->buckets) b = 1;
    h->sum_ns = 1000;
  };
  fill(&c.connect_duration);
  for (auto& h : c.conn_duration) fill(&h);
  c.connects = 1;
  for (auto& f : c.connect_failures) f = 1;
  c.accepts = 1;
  for (auto& d : c.resets_sent)
    for (auto& r : d) r = 1;
  for (auto& r : c.resets_received) r = 1;
  for (auto& b : c.bytes_sent) b = 1;
  for (auto& b : c.bytes_received) b = 1;
  c.syns_received = 1;
  c.synack_retransmits = 1;
  for (auto& h : c.rtt) fill(&h);
  for (auto& r : c.retransmits) r = 1;
  for (auto& r : c.data_segments_at_close) r = 1;
  return c;
}

se_port_counters Accepts(uint64_t n) {
  se_port_counters c{};
  c.accepts = n;
  return c;
}

WorkloadIdentity Named(std::string key, std::string pod = "", std::string ns = "",
                       std::string container = "") {
  WorkloadIdentity w;
  w.workload = std::move(key);
  w.pod = std::move(pod);
  w.pod_namespace = std::move(ns);
  w.container = std::move(container);
  return w;
}

// Sample lines of the text exposition, by their series (name and labels).
std::map<std::string, std::string> Lines(const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, std::string> out;
  const std::string text = TextExposition(families);
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

TEST(WorkloadFamiliesTest, SeriesPerCellIsWhatABusyCellProduces) {
  KernelSnapshot k;
  k.workloads = {{2, "80", Busy()}};
  k.workload_cgroups = {0, 1, 77};
  const auto r = CollectWorkloadTcpCounters(k, {{}, Named("host"), Named("a")});
  size_t tcp = 0;
  for (const auto& [series, value] : Lines(r.families))
    tcp += series.rfind("socket_tcp_", 0) == 0 ? 1 : 0;
  EXPECT_EQ(tcp, SeriesPerCell());
  EXPECT_EQ(Lines(r.families)["socket_exporter_series"], std::to_string(SeriesPerCell()));
}

TEST(WorkloadFamiliesTest, EverySeriesCarriesItsWorkloadsLabelsSortedByName) {
  KernelSnapshot k;
  k.workloads = {{0, "80", Accepts(1)}, {1, "80", Accepts(2)}, {2, "80", Accepts(3)}};
  k.workload_cgroups = {0, 1, 900};
  const auto lines =
      Lines(CollectWorkloadTcpCounters(
                k, {{}, Named("host"), Named("shop/web/nginx", "web", "shop", "nginx")})
                .families);
  EXPECT_EQ(lines.at("socket_tcp_accepts_total{port=\"80\",workload=\"other\"}"), "1");
  EXPECT_EQ(lines.at("socket_tcp_accepts_total{port=\"80\",workload=\"host\"}"), "2");
  EXPECT_EQ(lines.at("socket_tcp_accepts_total{container=\"nginx\",namespace=\"shop\",pod=\"web\","
                     "port=\"80\",workload=\"shop/web/nginx\"}"),
            "3");
  EXPECT_EQ(lines.at("socket_workload_info{container=\"nginx\",namespace=\"shop\",pod=\"web\","
                     "workload=\"shop/web/nginx\"}"),
            "1");
  EXPECT_EQ(lines.at("socket_workload_info{workload=\"host\"}"), "1");
}

TEST(WorkloadFamiliesTest, ARestartedContainersOldCgroupGetsItsIdAppended) {
  const auto labels = WorkloadLabels(
      {{}, Named("host"), Named("shop/web/nginx"), Named("shop/web/nginx")}, {0, 1, 900, 950});
  EXPECT_EQ(labels[2].workload, "shop/web/nginx@900");
  EXPECT_EQ(labels[3].workload, "shop/web/nginx");  // the newest cgroup keeps the key
  EXPECT_EQ(labels[0].workload, "other");
}

TEST(WorkloadFamiliesTest, RowsOfUnnamedSlotsAreLeftOut) {
  const auto rows =
      WorkloadRows({{0, "80", Accepts(1)}, {5, "80", Accepts(4)}}, {Named("other"), Named("host")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].counters.accepts, 1u);
}

TEST(WorkloadFamiliesTest, FoldedConnectionsAreReported) {
  KernelSnapshot k;
  k.workload_folds = 17;
  k.workload_cgroups = {0, 1};
  const auto lines = Lines(CollectWorkloadTcpCounters(k, {{}, Named("host")}).families);
  EXPECT_EQ(lines.at("socket_exporter_series_folded_total"), "17");
  EXPECT_EQ(lines.at("socket_exporter_series"), "0");
}

}  // namespace
}  // namespace se
