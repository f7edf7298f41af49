#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <string>
#include <vector>

namespace se {

using Labels = std::vector<prometheus::ClientMetric::Label>;

prometheus::MetricFamily MakeFamily(const std::string& name, const std::string& help,
                                    prometheus::MetricType type);

void AddCounter(prometheus::MetricFamily* f, Labels labels, double value);
void AddGauge(prometheus::MetricFamily* f, Labels labels, double value);

// Adds a histogram from non-cumulative counts: counts[i] falls at or below bounds[i];
// the last count (counts.size() == bounds.size() + 1) is the +Inf bucket.
void AddHistogram(prometheus::MetricFamily* f, Labels labels, const std::vector<double>& bounds,
                  const std::vector<uint64_t>& counts, double sum);

}  // namespace se
