// Parser and queries for the Prometheus text exposition format (0.0.4).
#ifndef SE_TEST_HARNESS_METRICS_TEXT_H_
#define SE_TEST_HARNESS_METRICS_TEXT_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace se::test {

using Labels = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

class ParsedMetrics {
 public:
  // Never fails: lines that cannot be parsed are reported by Errors().
  static ParsedMetrics Parse(const std::string& text);

  const std::vector<Sample>& All() const { return samples_; }
  // Samples of `name` whose labels include every pair of `partial`.
  std::vector<Sample> Matching(const std::string& name, const Labels& partial = {}) const;

  // The sample with exactly this label set, if present.
  std::optional<double> Find(const std::string& name, const Labels& labels) const;
  // Find(), or NaN when absent, so an expectation of a number fails visibly.
  double Value(const std::string& name, const Labels& labels) const;
  // Find(), or 0 when absent: only for counters expected to be 0, which may not be exported yet.
  double ValueOrZero(const std::string& name, const Labels& labels) const;
  // Sum over every sample of `name` that carries the labels of `partial`.
  double Sum(const std::string& name, const Labels& partial = {}) const;
  bool Has(const std::string& name, const Labels& partial = {}) const;
  // Distinct values of `label` among samples of `name` matching `partial`.
  std::set<std::string> LabelValues(const std::string& name, const std::string& label,
                                    const Labels& partial = {}) const;

  // `# TYPE` and `# HELP` of a metric family; empty when missing.
  std::string Type(const std::string& family) const;
  std::string Help(const std::string& family) const;

  const std::vector<std::string>& Errors() const { return errors_; }
  // Samples of `name` as text lines, for failure messages.
  std::string Dump(const std::string& name) const;

 private:
  void ParseLine(const std::string& line);
  void ParseComment(const std::string& line);

  std::vector<Sample> samples_;
  std::map<std::string, std::string> types_;
  std::map<std::string, std::string> helps_;
  std::vector<std::string> errors_;
};

std::string FormatLabels(const Labels& labels);

}  // namespace se::test

#endif  // SE_TEST_HARNESS_METRICS_TEXT_H_
