// Expectations over scraped metrics shared by the integration tests.
#ifndef SE_TEST_HARNESS_EXPECTATIONS_H_
#define SE_TEST_HARNESS_EXPECTATIONS_H_

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "harness/metrics_text.h"

namespace se::test {

struct Expected {
  std::string name;
  Labels labels;
  double value = 0;
};
using ExpectedValues = std::vector<Expected>;

// True when every expected sample has its value; an absent sample counts as 0.
bool AllReached(const ParsedMetrics& metrics, const ExpectedValues& want);
std::function<bool(const ParsedMetrics&)> Reached(const ExpectedValues& want);

// One expectation per value, with the family's samples in the failure message. A value of 0
// also accepts an absent series (counters appear on first increment); others must be present.
void ExpectValues(const ParsedMetrics& metrics, const ExpectedValues& want);

// Buckets of histogram `family` with exactly `labels` (plus le) are cumulative, end in
// le="+Inf", and the +Inf bucket equals _count.
::testing::AssertionResult HistogramIsConsistent(const ParsedMetrics& metrics,
                                                 const std::string& family, const Labels& labels);

// Labels with a port number as the "port" value, plus `more`.
Labels PortLabels(uint16_t port, const Labels& more = {});

}  // namespace se::test

#endif  // SE_TEST_HARNESS_EXPECTATIONS_H_
