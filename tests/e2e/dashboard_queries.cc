#include "dashboard_queries.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#ifndef SE_SOURCE_DIR
#error "SE_SOURCE_DIR must name the source tree (for dashboards/)"
#endif

namespace se::test {
namespace {

bool IsNan(const nlohmann::json& point) {
  return point.is_array() && point.size() == 2 && point[1] == "NaN";
}

}  // namespace

std::string PrometheusApi::Encode(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    char hex[4];
    std::snprintf(hex, sizeof(hex), "%%%02X", c);
    out += std::isalnum(c) || std::strchr("-_.~", c) != nullptr ? std::string(1, c) : hex;
  }
  return out;
}

QueryResult PrometheusApi::Instant(const std::string& expr, double at) const {
  std::string path = "/api/v1/query?query=" + Encode(expr);
  if (at > 0) path += "&time=" + std::to_string(at);
  return Run(path);
}

QueryResult PrometheusApi::Range(const std::string& expr, double start, double end) const {
  return Run("/api/v1/query_range?query=" + Encode(expr) + "&start=" + std::to_string(start) +
             "&end=" + std::to_string(end) + "&step=1");
}

QueryResult PrometheusApi::Run(const std::string& path) const {
  QueryResult r;
  nlohmann::json data;
  if (!(r.ok = Get(path, &data, &r.error))) return r;
  const std::string type = data.value("resultType", "");
  const nlohmann::json& result = data["result"];
  if (type == "scalar" || type == "string") {
    (IsNan(result) ? r.nans : r.samples) = 1;
    return r;
  }
  for (const nlohmann::json& s : result) {
    bool any = false;
    if (s.contains("value")) any = !IsNan(s["value"]);
    for (const nlohmann::json& point : s.value("values", nlohmann::json::array()))
      any = any || !IsNan(point);
    ++(any ? r.samples : r.nans);
  }
  return r;
}

std::string DashboardsDir() {
  const char* dir = std::getenv("SE_E2E_DASHBOARDS");
  return dir != nullptr && *dir != '\0' ? dir : std::string(SE_SOURCE_DIR) + "/dashboards";
}

std::vector<Dashboard> LoadDashboards(const std::string& dir, std::string* error) {
  std::vector<Dashboard> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
    if (!doc.is_object()) {
      *error += entry.path().string() + " is not a JSON object\n";
      continue;
    }
    if (doc.contains("dashboard") && doc["dashboard"].is_object()) doc = doc["dashboard"];
    out.push_back({entry.path().filename().string(), std::move(doc)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return out;
}

bool AnyExprMentions(const std::vector<Dashboard>& dashboards, const std::string& text) {
  for (const Dashboard& d : dashboards)
    if (d.doc.dump().find(text) != std::string::npos) return true;
  return false;
}

namespace dashboard_internal {

using nlohmann::json;

// A variable's chosen values; `raw` (an "All" value or a built-in) is substituted as is.
struct Value {
  std::vector<std::string> values;
  bool multi = false;  // multi-value or include-All: Grafana regex-escapes it for PromQL
  bool is_raw = false;
  std::string raw;
  static Value Raw(const std::string& text) { return {{}, false, true, text}; }
};
using Values = std::map<std::string, Value>;

std::string Join(const std::vector<std::string>& v, const std::string& sep,
                 std::string (*f)(const std::string&) = nullptr) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + (f ? f(v[i]) : v[i]);
  return out;
}
std::string Escape(const std::string& s, const std::string& chars, const std::string& by) {
  std::string out;
  for (const char c : s) out += (chars.find(c) != std::string::npos ? by : "") + c;
  return out;
}
// Grafana's regexEscape (the :regex format).
std::string RegexEscape(const std::string& s) { return Escape(s, "\\^$*+?.()|[]{}/", "\\"); }
// prometheusSpecialRegexEscape: what the data source does to multi-value variables.
std::string PromRegexEscape(const std::string& s) {
  return Escape(Escape(s, "\\", "\\\\\\"), "$^*{}[]'+?.()|", "\\\\");
}
// prometheusRegularEscape: single-value variables.
std::string PromEscape(const std::string& s) { return Escape(Escape(s, "\\", "\\"), "'", "\\\\"); }
std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// One variable reference rendered with Grafana's format `fmt` (empty: the data source's own).
std::string Render(const Value& v, const std::string& fmt) {
  if (v.is_raw) return v.raw;
  const std::vector<std::string>& vals = v.values;
  const bool one = vals.size() == 1;
  if (fmt.empty()) {
    if (!v.multi) return PromEscape(Join(vals, ","));
    return one ? PromRegexEscape(vals[0]) : "(" + Join(vals, "|", PromRegexEscape) + ")";
  }
  if (fmt == "regex") return one ? RegexEscape(vals[0]) : "(" + Join(vals, "|", RegexEscape) + ")";
  if (fmt == "pipe") return Join(vals, "|");
  if (fmt == "glob") return one ? vals[0] : "{" + Join(vals, ",") + "}";
  if (fmt == "doublequote") return Join(vals, ",", Quoted);
  if (fmt == "singlequote") return "'" + Join(vals, "','") + "'";
  if (fmt == "json") return one ? Quoted(vals[0]) : "[" + Join(vals, ",", Quoted) + "]";
  return Join(vals, ",");  // raw, csv, text and anything else
}

// Substitutes $var, ${var}, ${var:format} and [[var]] as Grafana does; references to unknown
// names are left alone (as "$1" in label_replace must be) and, unless numeric, listed in
// *unresolved.
std::string Interpolate(const std::string& text, const Values& values,
                        std::set<std::string>* unresolved) {
  static const std::regex ref(
      R"(\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\})");
  std::string out;
  auto last = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), ref), end; it != end; ++it) {
    const std::smatch& m = *it;
    const std::string name = m[1].matched ? m[1].str() : m[2].matched ? m[2].str() : m[4].str();
    const std::string fmt = m[3].matched ? m[3].str() : m[6].str();
    out.append(last, m[0].first);
    last = m[0].second;
    const auto found = values.find(name);
    if (found != values.end()) {
      out += Render(found->second, fmt);
    } else {
      out += m[0].str();
      if (!std::isdigit(static_cast<unsigned char>(name[0]))) unresolved->insert("$" + name);
    }
  }
  return out.append(last, text.cend());
}

// The built-in variables as Grafana sets them for a short time range and a 1 s scrape interval:
// $__interval 2 s, $__rate_interval 15 s, $__range the test's run time. A panel's minimum
// interval, which would lengthen them, is ignored: shorter windows only make the check stricter.
void SetBuiltins(Values* values, long range) {
  const std::map<std::string, std::string> builtins = {
      {"__interval", "2s"},
      {"__interval_ms", "2000"},
      {"__rate_interval", "15s"},
      {"__rate_interval_ms", "15000"},
      {"__range", std::to_string(range) + "s"},
      {"__range_s", std::to_string(range)},
      {"__range_ms", std::to_string(range * 1000)}};
  for (const auto& [name, text] : builtins) (*values)[name] = Value::Raw(text);
}

std::vector<std::string> Strings(const json& node) {
  std::vector<std::string> out;
  if (node.is_string()) out.push_back(node.get<std::string>());
  for (const json& item : node.is_array() ? node : json::array())
    if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

// The text of a variable's query, a string or (newer Grafana) an object holding one.
std::string VariableQuery(const json& var) {
  const json& q = var.contains("query") ? var["query"] : json();
  if (q.is_string()) return q.get<std::string>();
  if (q.is_object() && q.contains("query") && q["query"].is_string()) return q["query"];
  return var.value("definition", "");
}

// Runs a template variable query as Grafana's Prometheus data source does and returns the
// values it offers; *error says why none.
std::vector<std::string> VariableValues(const PrometheusApi& prom, const std::string& query,
                                        double start, double end, std::string* error) {
  static const std::regex label_values(R"(^\s*label_values\((?:(.+),\s*)?([a-zA-Z0-9_]+)\)\s*$)");
  static const std::regex query_result(R"(^\s*query_result\((.+)\)\s*$)");
  static const std::regex metrics(R"(^\s*metrics\((.+)\)\s*$)");
  const std::string range = "start=" + std::to_string(start) + "&end=" + std::to_string(end);
  std::smatch m;
  json data;
  std::set<std::string> found;
  if (std::regex_match(query, m, query_result)) {
    const QueryResult r = prom.Instant(m[1].str(), end);
    *error = r.ok ? "no data" : r.error;
    return r.samples > 0 ? std::vector<std::string>{m[1].str()} : std::vector<std::string>{};
  }
  const bool is_label_values = std::regex_match(query, m, label_values);
  const std::string label = is_label_values ? m[2].str() : "__name__";
  const std::string selector = is_label_values ? m[1].str() : query;
  if (std::regex_match(query, m, metrics) || (is_label_values && selector.empty())) {
    const std::regex filter(m.size() > 1 && !is_label_values ? m[1].str() : ".*");
    if (prom.Get("/api/v1/label/" + label + "/values?" + range, &data, error))
      for (const std::string v : data)
        if (std::regex_search(v, filter)) found.insert(v);
  } else if (prom.Get("/api/v1/series?match[]=" + PrometheusApi::Encode(selector) + "&" + range,
                      &data, error)) {
    for (const json& series : data)
      if (series.contains(label)) found.insert(series[label].get<std::string>());
    if (found.empty()) *error = "no series with a label " + label + " match " + selector;
  }
  return {found.begin(), found.end()};
}

// A query to check: a panel target, an annotation (run over the test's range, since it marks
// events) or a template variable.
struct Query {
  std::string where, expr;
  bool range = false;
};

std::string PanelName(const json& p) {
  const std::string title = p.value("title", "");
  return title.empty() ? p.value("type", "panel") + " id " + std::to_string(p.value("id", 0))
                       : "\"" + title + "\"";
}

// Every target with an expression, in panels and in the panels nested in rows.
void WalkPanels(const json& panels, const std::string& prefix, std::vector<Query>* out) {
  for (const json& p : panels.is_array() ? panels : json::array()) {
    const std::string where = prefix + p.value("type", "panel") + " " + PanelName(p);
    WalkPanels(p.value("panels", json::array()), where + " / ", out);
    for (const json& t : p.value("targets", json::array())) {
      if (!t.contains("expr") || !t["expr"].is_string() || t["expr"] == "") continue;
      out->push_back({where + " query " + t.value("refId", "?"), t["expr"], false});
    }
  }
}

std::vector<Query> PanelQueries(const json& doc) {
  std::vector<Query> out;
  WalkPanels(doc.value("panels", json::array()), "", &out);
  for (const json& row : doc.value("rows", json::array()))  // the old schema
    WalkPanels(row.value("panels", json::array()), "row " + PanelName(row) + " / ", &out);
  for (const json& a : doc.value("annotations", json::object()).value("list", json::array()))
    if (a.contains("expr") && a["expr"].is_string() && a["expr"] != "")
      out.push_back({"annotation \"" + a.value("name", "") + "\"", a["expr"], true});
  return out;
}

std::string Trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t"), last = s.find_last_not_of(" \t");
  return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

// What a variable offers: a query variable's values from Prometheus (the check is recorded in
// *out), the comma-separated list of the others.
std::vector<std::string> Offered(const Dashboard& d, const json& var, const Values& values,
                                 const PrometheusApi& prom, double start, double end,
                                 std::vector<Checked>* out) {
  std::vector<std::string> offered;
  if (var.value("type", "") != "query") {
    std::stringstream in(VariableQuery(var));
    for (std::string item; std::getline(in, item, ',');)
      if (!Trim(item).empty()) offered.push_back(Trim(item));
    return offered;
  }
  std::set<std::string> unresolved;
  const std::string query = VariableQuery(var);
  Checked c(d.file, "variable $" + var.value("name", ""), query,
            Interpolate(query, values, &unresolved));
  offered = VariableValues(prom, c.expr, start, end, &c.problem);
  c.result.ok = true;
  c.result.samples = offered.size();
  if (!offered.empty()) c.problem.clear();
  if (offered.empty() && c.problem.empty()) c.problem = "it offers no value";
  if (!unresolved.empty())
    c.problem = "undefined variables " + Join({unresolved.begin(), unresolved.end()}, ", ");
  out->push_back(std::move(c));
  return offered;
}

// Checks each template variable's query and chooses its values as a user would: the test's own
// for job, instance and port; else the saved selection ("All" as Grafana expands it); else the
// first value offered. Variables left without a value stay undefined.
Values CheckVariables(const Dashboard& d, const Context& ctx, const PrometheusApi& prom,
                      double start, double end, std::vector<Checked>* out) {
  const std::map<std::string, std::string> chosen = {
      {"job", ctx.job}, {"instance", ctx.instance}, {"port", ctx.port}};
  Values values;
  SetBuiltins(&values, ctx.range_seconds);
  const json list = d.doc.value("templating", json::object()).value("list", json::array());
  // Grafana resolves variables in dependency order; the chosen ones are known from the start.
  for (const json& var : list) {
    const std::string name = var.value("name", "");
    if (chosen.count(name) != 0) values[name].values = {chosen.at(name)};
  }
  for (const json& var : list) {
    const std::string name = var.value("name", ""), type = var.value("type", "");
    if (type == "datasource" || type == "adhoc") continue;
    const std::vector<std::string> offered = Offered(d, var, values, prom, start, end, out);
    const std::vector<std::string> current =
        Strings(var.value("current", json::object()).value("value", json()));
    const bool all = !current.empty() && current[0] == "$__all";
    Value v;
    v.multi = var.value("multi", false) || var.value("includeAll", false);
    const bool pick_all = (name == "port" && ctx.all_ports) || (all && chosen.count(name) == 0);
    if (pick_all && var.value("allValue", "") != "") {
      v = Value::Raw(var["allValue"]);
    } else if (pick_all) {
      v.values = offered;
    } else if (chosen.count(name) != 0) {
      v.values = {chosen.at(name)};
    } else if (!current.empty()) {
      v.values = current;
    } else if (!offered.empty()) {
      v.values = {offered[0]};
    }
    if (v.is_raw || !v.values.empty()) values[name] = v;
  }
  return values;
}

bool OffersAllPorts(const Dashboard& d) {
  for (const json& var : d.doc.value("templating", json::object()).value("list", json::array()))
    if (var.value("name", "") == "port") return var.value("includeAll", false);
  return false;
}

}  // namespace dashboard_internal

std::string LeftOfOr(const std::string& e) {
  const auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    const char c = e[i];
    if (quote != 0) {
      i += c == '\\' && quote != '`' ? 1 : 0;  // an escaped character
      quote = c == quote ? 0 : quote;
    } else if (c == '"' || c == '\'' || c == '`') {
      quote = c;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      --depth;
    } else if (depth == 0 && e.compare(i, 2, "or") == 0 && i > 0 && !ident(e[i - 1]) &&
               (i + 2 == e.size() || !ident(e[i + 2]))) {
      return e.substr(0, i);
    }
  }
  return "";
}

void Judge(Checked* c, const PrometheusApi& prom, bool range, double start, double end) {
  const auto run = [&](const std::string& e) {
    return range ? prom.Range(e, start, end) : prom.Instant(e, end);
  };
  c->result = run(c->expr);
  const std::string left = LeftOfOr(c->expr);
  if (!c->result.ok)
    c->problem = "Prometheus rejected it: " + c->result.error;
  else if (c->result.samples == 0)
    c->problem = c->result.nans > 0 ? "only NaN samples" : "no data";
  else if (!left.empty() && run(left).samples == 0)
    c->problem = "only the fallback after `or` has data; no data from: " + left;
}

std::vector<Checked> CheckDashboards(const std::vector<Dashboard>& dashboards, const Context& ctx,
                                     const PrometheusApi& prom) {
  using namespace dashboard_internal;
  const double end =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double start = end - static_cast<double>(ctx.range_seconds);
  std::vector<Checked> out;
  for (const Dashboard& d : dashboards) {
    if (ctx.all_ports && !OffersAllPorts(d)) continue;
    const std::string file = d.file + (ctx.all_ports ? " ($port=All)" : "");
    std::vector<Checked> again;  // the variables' checks do not depend on $port
    Values values = CheckVariables(d, ctx, prom, start, end, ctx.all_ports ? &again : &out);
    const std::vector<Query> queries = PanelQueries(d.doc);
    if (queries.empty()) {
      out.emplace_back(file, "dashboard", "", "");
      out.back().problem = "it holds no query";
    }
    for (const Query& q : queries) {
      std::set<std::string> unresolved;
      Checked c(file, q.where, q.expr, Interpolate(q.expr, values, &unresolved));
      if (unresolved.empty())
        Judge(&c, prom, q.range, start, end);
      else
        c.problem = "undefined variables " + Join({unresolved.begin(), unresolved.end()}, ", ");
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::string FormatResults(const std::vector<Checked>& results) {
  std::ostringstream out;
  for (const Checked& c : results) {
    out << (c.ok() ? "  ok   " : "  FAIL ") << c.result.samples << "\t" << c.file << "\t" << c.where
        << "\t" << c.expr << (c.ok() ? "" : "\t<- " + c.problem) << "\n";
  }
  return out.str();
}

}  // namespace se::test
