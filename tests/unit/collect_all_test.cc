#include "collectors/collect_all.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

#include "collectors/families.h"

namespace se {
namespace {

std::map<std::string, double> ByCollector(const prometheus::MetricFamily& f) {
  std::map<std::string, double> out;
  for (const auto& m : f.metric) out[m.label.at(0).value] = m.gauge.value;
  return out;
}

CollectorResult OneGauge(const std::string& name) {
  auto f = MakeFamily(name, "A gauge.", prometheus::MetricType::Gauge);
  AddGauge(&f, {}, 1);
  return Succeeded({f});
}

TEST(CollectAllTest, SuccessFollowsEachCollectorsOwnResult) {
  std::vector<CollectorRun> runs;
  runs.push_back(RunCollector("good", [] { return OneGauge("se_test_good"); }));
  runs.push_back(RunCollector("bad", [] { return Failed("socket inventory: dump failed"); }));
  runs.push_back(
      RunCollector("throws", []() -> CollectorResult { throw std::runtime_error("boom"); }));
  EXPECT_EQ(runs[1].result.error, "socket inventory: dump failed");
  EXPECT_EQ(runs[2].result.error, "boom");
  const auto families = CollectAll(std::move(runs));
  ASSERT_EQ(families.size(), 3u);  // the good collector's family, then the two scrape families
  EXPECT_EQ(families[0].name, "se_test_good");
  EXPECT_EQ(families[1].name, "socket_exporter_scrape_collector_duration_seconds");
  EXPECT_EQ(families[2].name, "socket_exporter_scrape_collector_success");
  EXPECT_EQ(ByCollector(families[2]),
            (std::map<std::string, double>{{"bad", 0}, {"good", 1}, {"throws", 0}}));
  for (const auto& [name, seconds] : ByCollector(families[1])) EXPECT_GE(seconds, 0) << name;
}

TEST(CollectAllTest, RunCollectorTimesTheCollector) {
  const CollectorRun run = RunCollector("slow", [] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
    while (std::chrono::steady_clock::now() < until) {
    }
    return Succeeded({});
  });
  EXPECT_GE(run.seconds, 0.020);
  EXPECT_TRUE(run.result.error.empty());
}

}  // namespace
}  // namespace se
