#pragma once

// Building blocks of the --config.file parser shared by its sections; not a public API.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "config/config_file.h"

namespace se {
namespace config_internal {

// Renders a node for an error message, kept on one line and short; quoted if quoted in YAML.
std::string Describe(const YAML::Node& node);

// Text from the file (or yaml-cpp's messages quoting it) kept on one line for an error:
// newlines become "\n", other control characters spaces.
std::string OneLine(const std::string& text);

bool IsQuoted(const YAML::Node& node);

// yaml-cpp's exception as one line: "line L, column C: message".
std::string YamlError(const YAML::Exception& e);

// Accepted values of one numeric key.
struct Bounds {
  double min;
  bool min_inclusive;
  double max;            // inclusive; NAN when unbounded
  const char* expected;  // "a duration from 100ms to 60s, ...", quoted after "expected"
};

enum class Kind { kDuration, kNumber, kInteger };

// Reads a scalar of the given kind (durations in ms); returns "" or the error after the path.
std::string ReadValue(Kind kind, const Bounds& bounds, const YAML::Node& node, double* value);

// How a map is named in its errors.
struct MapSpec {
  std::string label;     // before ": X is not a map", e.g. "syn_flood"
  std::string where;     // after "unknown key K in ", e.g. "syn_flood"
  std::string expected;  // after "is not a map; expected "
};

// Called for each known key of a map; returns "" or a full one-line error.
using KeyHandler = std::function<std::string(const std::string& key, const YAML::Node& value)>;

// Checks that node is a map (null counts as empty) whose keys are in `keys` and unique, then
// hands each value to `handle` in document order. Stops at the first error.
bool ParseMap(const YAML::Node& node, const MapSpec& spec, const std::vector<std::string>& keys,
              const KeyHandler& handle, std::string* error);

// One numeric key of a section struct S; the member's type gives the kind of value.
template <typename S>
struct Field {
  const char* key;
  std::variant<std::chrono::milliseconds S::*, double S::*, uint32_t S::*> member;
  Bounds bounds;
};

inline void Store(double v, std::chrono::milliseconds* out) {
  *out = std::chrono::milliseconds(static_cast<int64_t>(std::llround(v)));
}
inline void Store(double v, double* out) { *out = v; }
inline void Store(double v, uint32_t* out) { *out = static_cast<uint32_t>(v); }

// Parses a map of numeric keys described by `fields` into *out (a section named `name`).
template <typename S>
bool ParseFields(const YAML::Node& node, const std::string& name, const std::string& what,
                 const std::vector<Field<S>>& fields, S* out, std::string* error) {
  // In the order of Field::member's alternatives.
  static constexpr Kind kKinds[] = {Kind::kDuration, Kind::kNumber, Kind::kInteger};
  std::vector<std::string> keys;
  for (const auto& f : fields) keys.push_back(f.key);
  const auto handle = [&](const std::string& key, const YAML::Node& value) -> std::string {
    for (const auto& f : fields) {
      if (key != f.key) continue;
      double v = 0;
      const std::string err = ReadValue(kKinds[f.member.index()], f.bounds, value, &v);
      if (!err.empty()) return name + "." + key + ": " + err;
      std::visit([&](auto member) { Store(v, &(out->*member)); }, f.member);
    }
    return "";
  };
  return ParseMap(node, MapSpec{name, name, what}, keys, handle, error);
}

// Parses the `policy:` section (config_policy.cc).
bool ParsePolicy(const YAML::Node& node, PolicyConfig* out, std::string* error);

}  // namespace config_internal
}  // namespace se
