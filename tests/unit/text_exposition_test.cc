#include "collectors/text_exposition.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "collectors/families.h"
#include "collectors/tcp_counters.h"

namespace se {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Reference(const std::vector<MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

// Where two texts first differ, with the lines around it, for a readable failure.
std::string FirstDifference(const std::string& want, const std::string& got) {
  size_t at = 0;
  while (at < want.size() && at < got.size() && want[at] == got[at]) ++at;
  const size_t from = want.rfind('\n', at == 0 ? 0 : at - 1);
  const size_t start = from == std::string::npos ? 0 : from + 1;
  return "at byte " + std::to_string(at) + "\nwant: " + want.substr(start, 160) +
         "\ngot:  " + got.substr(start, 160);
}

void ExpectSameAsTextSerializer(const std::vector<MetricFamily>& families) {
  const std::string want = Reference(families);
  const std::string got = TextExposition(families);
  ASSERT_EQ(got.size(), want.size()) << FirstDifference(want, got);
  ASSERT_TRUE(got == want) << FirstDifference(want, got);
}

MetricFamily Counter(const std::string& name, const std::string& help, Labels labels,
                     double value) {
  MetricFamily f = MakeFamily(name, help, MetricType::Counter);
  AddCounter(&f, std::move(labels), value);
  return f;
}

MetricFamily Gauges(const std::vector<double>& values) {
  MetricFamily f = MakeFamily("g", "A gauge.", MetricType::Gauge);
  for (size_t i = 0; i < values.size(); ++i) AddGauge(&f, {{"i", std::to_string(i)}}, values[i]);
  return f;
}

MetricFamily Histogram(Labels labels, std::vector<ClientMetric::Bucket> buckets, uint64_t count,
                       double sum) {
  MetricFamily f = MakeFamily("h_seconds", "A histogram.", MetricType::Histogram);
  ClientMetric m;
  m.label = std::move(labels);
  m.histogram.bucket = std::move(buckets);
  m.histogram.sample_count = count;
  m.histogram.sample_sum = sum;
  f.metric.push_back(std::move(m));
  return f;
}

MetricFamily Summary(Labels labels) {
  MetricFamily f = MakeFamily("s", "A summary.", MetricType::Summary);
  ClientMetric m;
  m.label = std::move(labels);
  m.summary.sample_count = 7;
  m.summary.sample_sum = 1.25;
  m.summary.quantile = {{0.5, 0.1}, {0.99, kNaN}, {1, kInf}};
  f.metric.push_back(std::move(m));
  return f;
}

TEST(TextExpositionTest, WritesTheExactTextOfEachType) {
  MetricFamily gauge = MakeFamily("b", "", MetricType::Gauge);
  AddGauge(&gauge, {}, -0.5);
  MetricFamily untyped = MakeFamily("u", "Untyped.", MetricType::Untyped);
  ClientMetric m;
  m.untyped.value = 3;
  m.timestamp_ms = 1700000000123;
  untyped.metric.push_back(m);
  const std::vector<MetricFamily> families = {
      Counter("a_total", "Help with \\ and \"raw\".", {{"port", "80"}, {"v", "a\\b\"c\nd"}}, 12),
      gauge, Histogram({{"port", "22"}}, {{1, 0.005}, {3, 1}}, 4, 0.25), untyped, Summary({})};
  EXPECT_EQ(TextExposition(families),
            "# HELP a_total Help with \\ and \"raw\".\n"
            "# TYPE a_total counter\n"
            "a_total{port=\"80\",v=\"a\\\\b\\\"c\\nd\"} 12\n"
            "# TYPE b gauge\n"
            "b -0.5\n"
            "# HELP h_seconds A histogram.\n"
            "# TYPE h_seconds histogram\n"
            "h_seconds_count{port=\"22\"} 4\n"
            "h_seconds_sum{port=\"22\"} 0.25\n"
            "h_seconds_bucket{port=\"22\",le=\"0.005\"} 1\n"
            "h_seconds_bucket{port=\"22\",le=\"1\"} 3\n"
            "h_seconds_bucket{port=\"22\",le=\"+Inf\"} 4\n"
            "# HELP u Untyped.\n"
            "# TYPE u untyped\n"
            "u 3 1700000000123\n"
            "# HELP s A summary.\n"
            "# TYPE s summary\n"
            "s_count 7\n"
            "s_sum 1.25\n"
            "s{quantile=\"0.5\"} 0.1\n"
            "s{quantile=\"0.99\"} Nan\n"
            "s{quantile=\"1\"} +Inf\n");
  ExpectSameAsTextSerializer(families);
}

struct Case {
  const char* name;
  std::vector<MetricFamily> families;
};

std::vector<Case> Cases() {
  MetricFamily stamped = Gauges({1, 2, 3});
  stamped.metric[0].timestamp_ms = -5;
  stamped.metric[1].timestamp_ms = std::numeric_limits<int64_t>::max();
  stamped.metric[2].timestamp_ms = std::numeric_limits<int64_t>::min();
  MetricFamily bad_type = Gauges({1});
  bad_type.type = static_cast<MetricType>(99);
  MetricFamily empty_label = Counter("c", "C.", {{"", ""}}, 1);
  return {
      {"no families", {}},
      {"family without samples", {MakeFamily("empty", "No samples.", MetricType::Counter)}},
      {"no help", {Counter("c_total", "", {}, 1)}},
      {"help with newline and backslash", {Counter("c", "line\none \\n", {}, 1)}},
      {"escapes in label values",
       {Counter("c", "C.", {{"a", "\\"}, {"b", "\""}, {"c", "\n"}, {"d", "\\\\\"\"\n\n"}}, 1)}},
      {"empty and unicode label values", {Counter("c", "C.", {{"a", ""}, {"b", "é ☃ \t"}}, 1)}},
      {"empty label name", {empty_label}},
      {"NaN and infinities", {Gauges({kNaN, -kNaN, kInf, -kInf})}},
      {"zeros", {Gauges({0.0, -0.0})}},
      {"integers stored as doubles",
       {Gauges({1, -1, 42, 123456789012345, 999999999999999, 1e15, 9007199254740992,
                9007199254740993.0, 9999999999999998, 1e16, 1e17, -1e16, 12345678901234567890.0,
                18446744073709551615.0, 9.2233720368547758e18, -9.2233720368547758e18})}},
      {"large and tiny doubles",
       {Gauges({1e300, -1.7976931348623157e308, std::numeric_limits<double>::max(),
                std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(),
                1e-300, 1e-5, 1e-4, 0.0001234, 123456.789, 1.5e16, 0.1, 1.0 / 3, 2.0 / 3, -0.000001,
                5e-324, 1234567890123456.7})}},
      {"timestamps", {stamped}},
      {"histogram ending in +Inf",
       {Histogram({{"p", "1"}}, {{0, 0.001}, {2, 0.002}, {5, kInf}}, 5, 0.5)}},
      {"histogram without labels", {Histogram({}, {{1, 1}, {2, 2}}, 3, 2.5)}},
      {"histogram without buckets", {Histogram({{"p", "1"}}, {}, 9, 1)}},
      {"histogram with odd bounds",
       {Histogram({{"q", "\"x\""}}, {{1, -0.0}, {2, 0.0}, {3, kNaN}, {4, 1e-9}}, 4, kNaN)}},
      {"summary with and without labels", {Summary({}), Summary({{"a", "b\nc"}})}},
      {"type outside the enum", {bad_type, Counter("after", "After.", {}, 1)}},
  };
}

TEST(TextExpositionTest, MatchesTextSerializerOnEachCase) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    ExpectSameAsTextSerializer(c.families);
  }
}

// Random families over the whole input space: every type, labels from an alphabet heavy in
// characters that need escaping, and doubles from raw bits as well as from the usual ranges.
class RandomFamilies {
 public:
  explicit RandomFamilies(uint64_t seed) : rng_(seed) {}

  std::vector<MetricFamily> Make(size_t n) {
    std::vector<MetricFamily> out;
    for (size_t i = 0; i < n; ++i) out.push_back(Family(i));
    return out;
  }

 private:
  size_t Below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  std::string Text(size_t max_len) {
    static const char kAlphabet[] = "ab_Z09 \\\"\n\t{}=,#\xc3\xa9";
    std::string s(Below(max_len + 1), ' ');
    for (char& c : s) c = kAlphabet[Below(sizeof(kAlphabet) - 1)];
    return s;
  }

  double Value() {
    switch (Below(8)) {
      case 0: {
        const uint64_t bits = rng_();
        double d;
        std::memcpy(&d, &bits, sizeof(d));
        return d;  // any double: NaNs, infinities, subnormals, both zeros
      }
      case 1:
        return static_cast<double>(rng_() >> Below(64));  // integers of every width
      case 2:
        return -static_cast<double>(rng_() >> Below(64));
      case 3:
        return std::ldexp(std::uniform_real_distribution<double>(-1, 1)(rng_),
                          static_cast<int>(Below(200)) - 100);
      case 4:
        return std::pow(10.0, static_cast<int>(Below(40)) - 20);
      case 5:
        return static_cast<double>(Below(1000)) / static_cast<double>(1 + Below(1000));
      case 6:
        return std::vector<double>{kNaN, kInf, -kInf, 0.0, -0.0, 1e16, 1e15}[Below(7)];
      default:
        return static_cast<double>(Below(100));
    }
  }

  ClientMetric Metric() {
    ClientMetric m;
    for (size_t i = Below(4); i > 0; --i) m.label.push_back({Text(6), Text(12)});
    m.counter.value = m.gauge.value = m.untyped.value = Value();
    m.histogram.sample_count = m.summary.sample_count = rng_() >> Below(64);
    m.histogram.sample_sum = m.summary.sample_sum = Value();
    for (size_t i = Below(6); i > 0; --i) m.histogram.bucket.push_back({rng_(), Value()});
    if (Below(2)) m.histogram.bucket.push_back({rng_(), kInf});
    for (size_t i = Below(4); i > 0; --i) m.summary.quantile.push_back({Value(), Value()});
    if (Below(5) == 0) m.timestamp_ms = static_cast<int64_t>(rng_());
    return m;
  }

  MetricFamily Family(size_t i) {
    static const MetricType kTypes[] = {MetricType::Counter, MetricType::Gauge, MetricType::Summary,
                                        MetricType::Untyped, MetricType::Histogram};
    MetricFamily f = MakeFamily("f" + std::to_string(i), Text(20), kTypes[Below(5)]);
    for (size_t j = Below(5); j > 0; --j) f.metric.push_back(Metric());
    return f;
  }

  std::mt19937_64 rng_;
};

TEST(TextExpositionTest, MatchesTextSerializerOnRandomFamilies) {
  RandomFamilies random(20240611);
  for (int round = 0; round < 200; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ExpectSameAsTextSerializer(random.Make(50));
  }
}

TEST(TextExpositionTest, AppendsAfterWhatIsInTheBuffer) {
  const std::vector<MetricFamily> families = {Gauges({1.5, 2})};
  std::string out = "# existing\n";
  AppendTextExposition(families, &out);
  EXPECT_EQ(out, "# existing\n" + Reference(families));
}

// The exporter's own per-port families at real size: 1000 ports of TCP counters and histograms
// with pseudo-random counts.
std::vector<MetricFamily> TcpFamiliesForPorts(size_t ports) {
  std::mt19937_64 rng(7);
  std::vector<LabelledCounters> labelled;
  for (size_t p = 0; p < ports; ++p) {
    LabelledCounters l;
    l.port = std::to_string(1024 + p);
    auto* words = reinterpret_cast<uint64_t*>(&l.counters);
    for (size_t w = 0; w < sizeof(l.counters) / sizeof(uint64_t); ++w) words[w] = rng() >> 40;
    labelled.push_back(l);
  }
  return BuildTcpCounterFamilies(labelled);
}

size_t SampleLines(const std::string& text) {
  size_t n = 0;
  for (size_t at = 0; at < text.size(); at = text.find('\n', at) + 1) {
    if (text[at] != '#') ++n;
  }
  return n;
}

TEST(TextExpositionTest, MatchesTextSerializerOnFiftyThousandSeriesAndFitsItsSizeHint) {
  const std::vector<MetricFamily> families = TcpFamiliesForPorts(1000);
  const std::string want = Reference(families);
  ASSERT_GE(SampleLines(want), 50000u);
  ExpectSameAsTextSerializer(families);
  EXPECT_GE(TextExpositionSizeHint(families), want.size());
  EXPECT_LE(TextExpositionSizeHint(families), 2 * want.size());
}

}  // namespace
}  // namespace se
