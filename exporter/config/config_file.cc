#include "config/config_file.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <set>
#include <vector>

namespace se {
namespace {

enum class Kind { kDuration, kNumber, kInteger };

// One settable key of a section: how to read it and where it lands.
struct Field {
  const char* key;
  Kind kind;
  double min;
  bool min_inclusive;
  double max;  // inclusive; NAN when unbounded
  const char* expected;
  std::chrono::milliseconds SynFloodConfig::*duration;
  double SynFloodConfig::*number;
  uint32_t SynFloodConfig::*integer;
};

const std::vector<Field>& SynFloodFields() {
  static const std::vector<Field> fields = {
      {"tick", Kind::kDuration, 100, true, 60000,
       "a duration from 100ms to 60s, e.g. 500ms or 2.5s", &SynFloodConfig::tick, nullptr, nullptr},
      {"min_syn_rate", Kind::kNumber, 0, false, NAN, "a number greater than 0", nullptr,
       &SynFloodConfig::min_syn_rate, nullptr},
      {"max_completion_ratio", Kind::kNumber, 0, false, 1, "a number greater than 0 and at most 1",
       nullptr, &SynFloodConfig::max_completion_ratio, nullptr},
      {"min_listen_drop_rate", Kind::kNumber, 0, true, NAN, "a number at least 0", nullptr,
       &SynFloodConfig::min_listen_drop_rate, nullptr},
      {"half_open_fill", Kind::kNumber, 0, false, 1, "a number greater than 0 and at most 1",
       nullptr, &SynFloodConfig::half_open_fill, nullptr},
      {"activate_ticks", Kind::kInteger, 1, true, 60, "an integer from 1 to 60", nullptr, nullptr,
       &SynFloodConfig::activate_ticks},
      {"clear_ticks", Kind::kInteger, 1, true, 600, "an integer from 1 to 600", nullptr, nullptr,
       &SynFloodConfig::clear_ticks},
      {"top_sources", Kind::kInteger, 0, true, 50, "an integer from 0 to 50", nullptr, nullptr,
       &SynFloodConfig::top_sources},
  };
  return fields;
}

bool IsQuoted(const YAML::Node& node) {
  return node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
}

// Renders a node for an error message, kept on one line and short.
std::string Describe(const YAML::Node& node) {
  if (node.IsNull()) return "an empty value";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  std::string text;
  for (char c : node.Scalar()) {
    if (c == '\n') {
      text += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      text += ' ';
    } else {
      text += c;
    }
  }
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return IsQuoted(node) ? "\"" + text + "\"" : text;
}

// Strict decimal: strtod alone would also take "inf", "nan" and hex.
bool ParseDecimal(const std::string& s, double* value) {
  if (s.empty() || s.find_first_not_of("0123456789.+-eE") != std::string::npos) return false;
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(*value);
}

bool InRange(const Field& f, double v) {
  if (f.min_inclusive ? v < f.min : v <= f.min) return false;
  return std::isnan(f.max) || v <= f.max;
}

// Accepts "<digits>[.<digits>](ms|s)" and yields whole milliseconds.
bool ParseDuration(const std::string& s, double* ms) {
  size_t unit = s.find_first_not_of("0123456789.");
  if (unit == 0 || unit == std::string::npos) return false;
  const std::string suffix = s.substr(unit);
  if (suffix != "ms" && suffix != "s") return false;
  const std::string digits = s.substr(0, unit);
  if (digits.front() == '.' || digits.back() == '.' || digits.find('.') != digits.rfind('.')) {
    return false;
  }
  if (!ParseDecimal(digits, ms)) return false;
  if (suffix == "s") *ms *= 1000;
  return true;
}

bool IsIntegerText(const std::string& s) {
  const size_t start = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  return s.size() > start && s.find_first_not_of("0123456789", start) == std::string::npos;
}

// Reads one value; returns an empty string on success, else the error text after the path.
std::string ApplyField(const Field& f, const YAML::Node& node, SynFloodConfig* out) {
  const std::string fail = Describe(node);
  const std::string want = std::string("; expected ") + f.expected;
  const std::string range = fail + " is out of range" + want;
  if (!node.IsScalar()) {
    return fail + (f.kind == Kind::kDuration ? " is not a duration" : " is not a number") + want;
  }
  const std::string& text = node.Scalar();
  double v = 0;
  switch (f.kind) {
    case Kind::kDuration:
      if (!ParseDuration(text, &v)) return fail + " is not a duration" + want;
      if (!InRange(f, v)) return range;
      if (std::fabs(v - std::round(v)) > 1e-6) return fail + " is not a whole number of ms" + want;
      out->*f.duration = std::chrono::milliseconds(static_cast<int64_t>(std::llround(v)));
      return "";
    case Kind::kNumber:
      if (IsQuoted(node) || !ParseDecimal(text, &v)) return fail + " is not a number" + want;
      if (!InRange(f, v)) return range;
      out->*f.number = v;
      return "";
    case Kind::kInteger:
      if (IsQuoted(node) || !IsIntegerText(text)) return fail + " is not an integer" + want;
      if (!ParseDecimal(text, &v) || !InRange(f, v)) return range;
      out->*f.integer = static_cast<uint32_t>(v);
      return "";
  }
  return "unhandled kind";
}

std::string ValidKeys(const std::vector<std::string>& keys) {
  std::string list;
  for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
  return list;
}

// Checks a map's key is a scalar, known and not repeated; returns an error or "".
std::string CheckKey(const YAML::Node& key, const std::string& where,
                     const std::vector<std::string>& valid, std::set<std::string>* seen) {
  const std::string name = key.IsScalar() ? "\"" + key.Scalar() + "\"" : Describe(key);
  bool known = false;
  for (const auto& v : valid) known = known || (key.IsScalar() && v == key.Scalar());
  if (!known) {
    return "unknown key " + name + " in " + where + "; valid keys: " + ValidKeys(valid);
  }
  if (!seen->insert(key.Scalar()).second) return "duplicate key " + name + " in " + where;
  return "";
}

bool ParseSynFlood(const YAML::Node& node, SynFloodConfig* out, std::string* error) {
  if (node.IsNull()) return true;  // "syn_flood:" with nothing under it keeps the defaults
  if (!node.IsMap()) {
    *error = "syn_flood: " + Describe(node) + " is not a map; expected a map of detector settings";
    return false;
  }
  std::vector<std::string> valid;
  for (const auto& f : SynFloodFields()) valid.push_back(f.key);
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string err = CheckKey(it->first, "syn_flood", valid, &seen);
    if (!err.empty()) {
      *error = err;
      return false;
    }
    for (const auto& f : SynFloodFields()) {
      if (it->first.Scalar() != f.key) continue;
      err = ApplyField(f, it->second, out);
      if (!err.empty()) {
        *error = "syn_flood." + std::string(f.key) + ": " + err;
        return false;
      }
    }
  }
  return true;
}

bool ParseRoot(const YAML::Node& root, Config* out, std::string* error) {
  if (root.IsNull()) return true;
  if (!root.IsMap()) {
    *error = "top level: " + Describe(root) + " is not a map; expected a map with key syn_flood";
    return false;
  }
  const std::vector<std::string> valid = {"syn_flood"};
  std::set<std::string> seen;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string err = CheckKey(it->first, "the top level", valid, &seen);
    if (!err.empty()) {
      *error = err;
      return false;
    }
    if (!ParseSynFlood(it->second, &out->syn_flood, error)) return false;
  }
  return true;
}

}  // namespace

bool ParseConfig(const std::string& yaml_text, Config* out, std::string* error) {
  Config parsed;
  try {
    if (!ParseRoot(YAML::Load(yaml_text), &parsed, error)) return false;
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      *error = e.msg;
      return false;
    }
    *error = "line " + std::to_string(e.mark.line + 1) + ", column " +
             std::to_string(e.mark.column + 1) + ": " + e.msg;
    return false;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
  *out = parsed;
  return true;
}

bool LoadConfigFile(const std::string& path, Config* out, std::string* error) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  std::string text;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), file)) > 0) text.append(buf, n);
  // fopen succeeds on a directory; the read is what fails (EISDIR).
  const int read_errno = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (read_errno != 0) {
    *error = path + ": " + std::strerror(read_errno);
    return false;
  }
  if (ParseConfig(text, out, error)) return true;
  *error = path + ": " + *error;
  return false;
}

}  // namespace se
