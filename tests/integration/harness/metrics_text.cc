#include "harness/metrics_text.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace se::test {
namespace {

bool Contains(const Labels& labels, const Labels& partial) {
  for (const auto& [k, v] : partial) {
    const auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

// Parses `{k="v",...}` starting at line[*pos] == '{'; leaves *pos after the '}'.
bool ParseLabelBlock(const std::string& line, size_t* pos, Labels* labels) {
  size_t i = *pos + 1;
  while (i < line.size() && line[i] != '}') {
    const size_t eq = line.find('=', i);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return false;
    const std::string key = line.substr(i, eq - i);
    std::string value;
    size_t j = eq + 2;
    for (; j < line.size() && line[j] != '"'; ++j) {
      if (line[j] == '\\' && j + 1 < line.size()) {
        ++j;
        value += line[j] == 'n' ? '\n' : line[j];
      } else {
        value += line[j];
      }
    }
    if (j >= line.size()) return false;
    (*labels)[key] = value;
    i = j + 1;
    if (i < line.size() && line[i] == ',') ++i;
  }
  if (i >= line.size()) return false;
  *pos = i + 1;
  return true;
}

bool ParseValue(const std::string& token, double* value) {
  if (token.empty()) return false;
  char* end = nullptr;
  *value = std::strtod(token.c_str(), &end);
  return end == token.c_str() + token.size();
}

}  // namespace

ParsedMetrics ParsedMetrics::Parse(const std::string& text) {
  ParsedMetrics parsed;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      parsed.ParseComment(line);
    } else {
      parsed.ParseLine(line);
    }
  }
  return parsed;
}

void ParsedMetrics::ParseComment(const std::string& line) {
  std::istringstream in(line);
  std::string hash, kind, family;
  in >> hash >> kind >> family;
  std::string rest;
  std::getline(in, rest);
  if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
  if (kind == "TYPE") types_[family] = rest;
  if (kind == "HELP") helps_[family] = rest;
}

void ParsedMetrics::ParseLine(const std::string& line) {
  Sample sample;
  size_t pos = line.find_first_of("{ ");
  if (pos == std::string::npos) {
    errors_.push_back("no value: " + line);
    return;
  }
  sample.name = line.substr(0, pos);
  if (line[pos] == '{' && !ParseLabelBlock(line, &pos, &sample.labels)) {
    errors_.push_back("bad labels: " + line);
    return;
  }
  std::istringstream rest(line.substr(pos));
  std::string value_token;
  rest >> value_token;
  if (!ParseValue(value_token, &sample.value)) {
    errors_.push_back("bad value: " + line);
    return;
  }
  samples_.push_back(std::move(sample));
}

std::vector<Sample> ParsedMetrics::Matching(const std::string& name, const Labels& partial) const {
  std::vector<Sample> out;
  for (const auto& s : samples_) {
    if (s.name == name && Contains(s.labels, partial)) out.push_back(s);
  }
  return out;
}

std::optional<double> ParsedMetrics::Find(const std::string& name, const Labels& labels) const {
  for (const auto& s : samples_) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return std::nullopt;
}

double ParsedMetrics::Value(const std::string& name, const Labels& labels) const {
  return Find(name, labels).value_or(std::numeric_limits<double>::quiet_NaN());
}

double ParsedMetrics::ValueOrZero(const std::string& name, const Labels& labels) const {
  return Find(name, labels).value_or(0.0);
}

double ParsedMetrics::Sum(const std::string& name, const Labels& partial) const {
  double sum = 0;
  for (const auto& s : Matching(name, partial)) sum += s.value;
  return sum;
}

bool ParsedMetrics::Has(const std::string& name, const Labels& partial) const {
  return !Matching(name, partial).empty();
}

std::set<std::string> ParsedMetrics::LabelValues(const std::string& name, const std::string& label,
                                                 const Labels& partial) const {
  std::set<std::string> values;
  for (const auto& s : Matching(name, partial)) {
    const auto it = s.labels.find(label);
    if (it != s.labels.end()) values.insert(it->second);
  }
  return values;
}

std::string ParsedMetrics::Type(const std::string& family) const {
  const auto it = types_.find(family);
  return it == types_.end() ? "" : it->second;
}

std::string ParsedMetrics::Help(const std::string& family) const {
  const auto it = helps_.find(family);
  return it == helps_.end() ? "" : it->second;
}

std::string ParsedMetrics::Dump(const std::string& name) const {
  std::ostringstream out;
  for (const auto& s : Matching(name))
    out << s.name << FormatLabels(s.labels) << " " << s.value << "\n";
  if (out.str().empty()) return "(no samples of " + name + ")\n";
  return out.str();
}

std::string FormatLabels(const Labels& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ",";
    out += k + "=\"" + v + "\"";
  }
  return out + "}";
}

}  // namespace se::test
