#include "config/config_fields.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

namespace se {
namespace config_internal {
namespace {

// Strict decimal: strtod alone would also take "inf", "nan" and hex.
bool ParseDecimal(const std::string& s, double* value) {
  if (s.empty() || s.find_first_not_of("0123456789.+-eE") != std::string::npos) return false;
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(*value);
}

bool InRange(const Bounds& b, double v) {
  if (b.min_inclusive ? v < b.min : v <= b.min) return false;
  return std::isnan(b.max) || v <= b.max;
}

// Milliseconds per duration unit, 0 for an unknown unit.
double UnitMs(const std::string& unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60 * 1000;
  if (unit == "h") return 60 * 60 * 1000;
  return 0;
}

// Accepts "<digits>[.<digits>](ms|s|m|h)" and yields milliseconds.
bool ParseDuration(const std::string& s, double* ms) {
  size_t unit = s.find_first_not_of("0123456789.");
  if (unit == 0 || unit == std::string::npos) return false;
  const double scale = UnitMs(s.substr(unit));
  if (scale == 0) return false;
  const std::string digits = s.substr(0, unit);
  if (digits.front() == '.' || digits.back() == '.' || digits.find('.') != digits.rfind('.')) {
    return false;
  }
  if (!ParseDecimal(digits, ms)) return false;
  *ms *= scale;
  return true;
}

bool IsIntegerText(const std::string& s) {
  const size_t start = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  return s.size() > start && s.find_first_not_of("0123456789", start) == std::string::npos;
}

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string list;
  for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
  return list;
}

// Checks a map's key is a scalar, known and not repeated; returns an error or "".
std::string CheckKey(const YAML::Node& key, const std::string& where,
                     const std::vector<std::string>& valid, std::set<std::string>* seen) {
  const std::string name = key.IsScalar() ? "\"" + OneLine(key.Scalar()) + "\"" : Describe(key);
  bool known = false;
  for (const auto& v : valid) known = known || (key.IsScalar() && v == key.Scalar());
  if (!known) {
    return "unknown key " + name + " in " + where + "; valid keys: " + JoinKeys(valid);
  }
  if (!seen->insert(key.Scalar()).second) return "duplicate key " + name + " in " + where;
  return "";
}

}  // namespace

bool IsQuoted(const YAML::Node& node) {
  return node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
}

std::string OneLine(const std::string& text) {
  std::string line;
  for (char c : text) {
    if (c == '\n') {
      line += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      line += ' ';
    } else {
      line += c;
    }
  }
  return line;
}

std::string YamlError(const YAML::Exception& e) {
  if (e.mark.is_null()) return OneLine(e.msg);
  return "line " + std::to_string(e.mark.line + 1) + ", column " +
         std::to_string(e.mark.column + 1) + ": " + OneLine(e.msg);
}

std::string Describe(const YAML::Node& node) {
  if (node.IsNull()) return "an empty value";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  std::string text = OneLine(node.Scalar());
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return IsQuoted(node) ? "\"" + text + "\"" : text;
}

std::string ReadValue(Kind kind, const Bounds& bounds, const YAML::Node& node, double* value) {
  const std::string fail = Describe(node);
  const std::string want = std::string("; expected ") + bounds.expected;
  const std::string range = fail + " is out of range" + want;
  if (!node.IsScalar()) {
    return fail + (kind == Kind::kDuration ? " is not a duration" : " is not a number") + want;
  }
  const std::string& text = node.Scalar();
  double v = 0;
  switch (kind) {
    case Kind::kDuration:
      if (!ParseDuration(text, &v)) return fail + " is not a duration" + want;
      if (!InRange(bounds, v)) return range;
      if (std::fabs(v - std::round(v)) > 1e-6) return fail + " is not a whole number of ms" + want;
      break;
    case Kind::kNumber:
      if (IsQuoted(node) || !ParseDecimal(text, &v)) return fail + " is not a number" + want;
      if (!InRange(bounds, v)) return range;
      break;
    case Kind::kInteger:
      if (IsQuoted(node) || !IsIntegerText(text)) return fail + " is not an integer" + want;
      if (!ParseDecimal(text, &v) || !InRange(bounds, v)) return range;
      break;
  }
  *value = v;
  return "";
}

bool ParseMap(const YAML::Node& node, const MapSpec& spec, const std::vector<std::string>& keys,
              const KeyHandler& handle, std::string* error) {
  if (node.IsNull()) return true;  // "section:" with nothing under it keeps the defaults
  if (!node.IsMap()) {
    *error = spec.label + ": " + Describe(node) + " is not a map; expected " + spec.expected;
    return false;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string err = CheckKey(it->first, spec.where, keys, &seen);
    if (err.empty()) err = handle(it->first.Scalar(), it->second);
    if (!err.empty()) {
      *error = err;
      return false;
    }
  }
  return true;
}

}  // namespace config_internal
}  // namespace se
