#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace se {

// The Prometheus text exposition (format 0.0.4) of `families`, byte for byte what
// prometheus::TextSerializer (prometheus-cpp 1.0) writes, without an ostream: values through
// std::to_chars, each metric's labels escaped once for all its lines, one buffer reserved up
// front. Like TextSerializer it escapes label values only; names and HELP go out as given.
std::string TextExposition(const std::vector<prometheus::MetricFamily>& families);

// The same, appended to *out.
void AppendTextExposition(const std::vector<prometheus::MetricFamily>& families, std::string* out);

// An upper bound (for usual values) of the size of TextExposition(families), for reserve.
size_t TextExpositionSizeHint(const std::vector<prometheus::MetricFamily>& families);

}  // namespace se
