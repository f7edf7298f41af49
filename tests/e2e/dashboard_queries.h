// The queries of Grafana dashboards, run as Grafana would run them against a Prometheus: every
// panel target (rows' nested panels included), every Prometheus annotation and every template
// variable query, with the dashboard's variables substituted the way Grafana's Prometheus data
// source does.
#ifndef SE_TEST_E2E_DASHBOARD_QUERIES_H_
#define SE_TEST_E2E_DASHBOARD_QUERIES_H_

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace se::test {

struct Dashboard {
  std::string file;  // file name, for messages
  nlohmann::json doc;
};

// The dashboards under test: $SE_E2E_DASHBOARDS if set, else dashboards/ of the source tree.
std::string DashboardsDir();

// Every *.json of dir, sorted by name; a file that does not parse sets *error. The API form
// {"dashboard": {...}} is unwrapped.
std::vector<Dashboard> LoadDashboards(const std::string& dir, std::string* error);

bool AnyExprMentions(const std::vector<Dashboard>& dashboards, const std::string& text);

// What the test knows that Grafana would take from its time picker and variable pickers.
struct Context {
  std::string job, instance, port;  // the values chosen for $job, $instance, $port
  long range_seconds = 0;           // $__range
  bool all_ports = false;  // $port set to "All" instead, on dashboards whose $port offers it
};

struct QueryResult {
  bool ok = false;     // the API answered success
  size_t samples = 0;  // samples (instant) or series (range) that are not NaN
  size_t nans = 0;     // NaN samples
  std::string error;
};

// The Prometheus HTTP API as the checks use it; Get answers the "data" of a successful call.
class PrometheusApi {
 public:
  virtual ~PrometheusApi() = default;
  virtual bool Get(const std::string& path, nlohmann::json* data, std::string* error) const = 0;

  static std::string Encode(const std::string& text);
  // Instant query at Unix time `at` (0: now).
  QueryResult Instant(const std::string& expr, double at) const;
  QueryResult Range(const std::string& expr, double start, double end) const;

 private:
  QueryResult Run(const std::string& path) const;
};

// One query of a dashboard and how it went.
struct Checked {
  Checked(std::string file_, std::string where_, std::string original_, std::string expr_)
      : file(std::move(file_)),
        where(std::move(where_)),
        original(std::move(original_)),
        expr(std::move(expr_)) {}

  std::string file, where, original, expr;
  QueryResult result;
  std::string problem;  // empty when it returned data
  bool ok() const { return problem.empty(); }
  std::string Describe() const {
    std::string out = file + ": " + where + ": " + problem;
    if (!expr.empty()) out += "\n  expression: " + expr;
    if (original != expr) out += "\n  as written: " + original;
    return out;
  }
};
// The left operand of a top-level `or`, or "" if there is none.
std::string LeftOfOr(const std::string& e);

// Checks every query of every dashboard at one instant; a dashboard without a single panel
// query is a failure of its own.
std::vector<Checked> CheckDashboards(const std::vector<Dashboard>& dashboards, const Context& ctx,
                                     const PrometheusApi& prom);

// One line per query: outcome, samples, file, where, expression.
std::string FormatResults(const std::vector<Checked>& results);

}  // namespace se::test

#endif  // SE_TEST_E2E_DASHBOARD_QUERIES_H_
