#include "harness/expectations.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

namespace se::test {
namespace {

double ParseLe(const std::string& le) {
  if (le == "+Inf") return std::numeric_limits<double>::infinity();
  return std::strtod(le.c_str(), nullptr);
}

}  // namespace

bool AllReached(const ParsedMetrics& metrics, const ExpectedValues& want) {
  return std::all_of(want.begin(), want.end(), [&](const Expected& e) {
    return metrics.ValueOrZero(e.name, e.labels) == e.value;
  });
}

std::function<bool(const ParsedMetrics&)> Reached(const ExpectedValues& want) {
  return [want](const ParsedMetrics& metrics) { return AllReached(metrics, want); };
}

void ExpectValues(const ParsedMetrics& metrics, const ExpectedValues& want) {
  for (const auto& e : want) {
    const double got =
        e.value == 0 ? metrics.ValueOrZero(e.name, e.labels) : metrics.Value(e.name, e.labels);
    EXPECT_EQ(got, e.value) << e.name << FormatLabels(e.labels) << "; scraped:\n"
                            << metrics.Dump(e.name);
  }
}

::testing::AssertionResult HistogramIsConsistent(const ParsedMetrics& metrics,
                                                 const std::string& family, const Labels& labels) {
  std::vector<std::pair<double, double>> buckets;
  for (const auto& s : metrics.Matching(family + "_bucket", labels)) {
    Labels rest = s.labels;
    const auto le = rest.find("le");
    if (le == rest.end()) return ::testing::AssertionFailure() << "bucket without le";
    const std::string bound = le->second;
    rest.erase(le);
    if (rest == labels) buckets.emplace_back(ParseLe(bound), s.value);
  }
  const auto count = metrics.Find(family + "_count", labels);
  const auto sum = metrics.Find(family + "_sum", labels);
  const std::string where = family + FormatLabels(labels);
  if (!count || !sum) return ::testing::AssertionFailure() << where << " lacks _count or _sum";
  if (buckets.size() < 2) return ::testing::AssertionFailure() << where << " has < 2 buckets";
  std::sort(buckets.begin(), buckets.end());
  for (size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].second < buckets[i - 1].second)
      return ::testing::AssertionFailure()
             << where << " buckets not cumulative at le=" << buckets[i].first;
  }
  if (!std::isinf(buckets.back().first))
    return ::testing::AssertionFailure() << where << " has no le=\"+Inf\" bucket";
  if (buckets.back().second != *count)
    return ::testing::AssertionFailure()
           << where << " +Inf bucket " << buckets.back().second << " != _count " << *count;
  if (*sum < 0 || (*count > 0 && *sum <= 0))
    return ::testing::AssertionFailure() << where << " _sum " << *sum << " with _count " << *count;
  return ::testing::AssertionSuccess();
}

Labels PortLabels(uint16_t port, const Labels& more) {
  Labels labels = more;
  labels["port"] = std::to_string(port);
  return labels;
}

}  // namespace se::test
