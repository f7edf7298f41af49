#include "config/config_file.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <vector>

#include "config/config_fields.h"
#include "config/config_text.h"

namespace se {
namespace {

using config_internal::Field;

const std::vector<Field<SynFloodConfig>>& SynFloodFields() {
  using S = SynFloodConfig;
  static const std::vector<Field<S>> fields = {
      {"tick", &S::tick, {100, true, 60000, "a duration from 100ms to 60s, e.g. 500ms or 2.5s"}},
      {"min_syn_rate", &S::min_syn_rate, {0, false, NAN, "a number greater than 0"}},
      {"max_completion_ratio",
       &S::max_completion_ratio,
       {0, false, 1, "a number greater than 0 and at most 1"}},
      {"min_listen_drop_rate", &S::min_listen_drop_rate, {0, true, NAN, "a number at least 0"}},
      {"half_open_fill",
       &S::half_open_fill,
       {0, false, 1, "a number greater than 0 and at most 1"}},
      {"activate_ticks", &S::activate_ticks, {1, true, 60, "an integer from 1 to 60"}},
      {"clear_ticks", &S::clear_ticks, {1, true, 600, "an integer from 1 to 600"}},
      {"top_sources", &S::top_sources, {0, true, 50, "an integer from 0 to 50"}},
  };
  return fields;
}

const std::vector<Field<PortScanConfig>>& PortScanFields() {
  using S = PortScanConfig;
  static const std::vector<Field<S>> fields = {
      {"min_ports", &S::min_ports, {2, true, 1024, "an integer from 2 to 1024"}},
      {"min_addresses", &S::min_addresses, {2, true, 1024, "an integer from 2 to 1024"}},
      {"window", &S::window, {1000, true, 600000, "a duration from 1s to 10m, e.g. 30s or 2m"}},
      {"max_sources", &S::max_sources, {16, true, 1048576, "an integer from 16 to 1048576"}},
      {"tick", &S::tick, {100, true, 60000, "a duration from 100ms to 60s, e.g. 500ms or 2.5s"}},
  };
  return fields;
}

const std::vector<Field<EventLogConfig>>& EventLogFields() {
  using S = EventLogConfig;
  static const std::vector<Field<S>> fields = {
      {"burst", &S::burst, {1, true, 1000, "an integer from 1 to 1000"}},
      {"interval",
       &S::interval,
       {100, true, 3600000, "a duration from 100ms to 1h, e.g. 10s or 5m"}},
      {"max_keys", &S::max_keys, {16, true, 1048576, "an integer from 16 to 1048576"}},
      {"max_lines_per_second",
       &S::max_lines_per_second,
       {1, true, 100000, "an integer from 1 to 100000"}},
  };
  return fields;
}

bool ParseRoot(const YAML::Node& root, Config* out, std::string* error) {
  using config_internal::ParseFields;
  const std::vector<std::string> sections = {"syn_flood", "port_scan", "event_log", "policy"};
  std::string nested;  // a section's error, which already names its path
  const auto handle = [&](const std::string& key, const YAML::Node& value) -> std::string {
    bool ok = true;
    if (key == "syn_flood") {
      ok = ParseFields(value, key, "a map of detector settings", SynFloodFields(), &out->syn_flood,
                       &nested);
    } else if (key == "port_scan") {
      ok = ParseFields(value, key, "a map of detector settings", PortScanFields(), &out->port_scan,
                       &nested);
    } else if (key == "event_log") {
      ok = ParseFields(value, key, "a map of rate limit settings", EventLogFields(),
                       &out->event_log, &nested);
    } else {
      ok = config_internal::ParsePolicy(value, &out->policy, &nested);
    }
    return ok ? "" : nested;
  };
  const config_internal::MapSpec spec{"top level", "the top level",
                                      "a map with keys syn_flood, port_scan, event_log, policy"};
  return config_internal::ParseMap(root, spec, sections, handle, error);
}

}  // namespace

bool ParseConfig(const std::string& yaml_text, Config* out, std::string* error) {
  Config parsed;
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    const std::string second = SecondDocumentError(yaml_text);
    if (!second.empty()) {
      *error = second;
      return false;
    }
    if (!ParseRoot(root, &parsed, error)) return false;
  } catch (const YAML::Exception& e) {
    *error = config_internal::YamlError(e);
    return false;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
  *out = parsed;
  return true;
}

bool LoadConfigFile(const std::string& path, Config* out, std::string* error) {
  std::string text;
  if (!ReadConfigText(path, false, &text, error)) return false;
  if (ParseConfig(text, out, error)) return true;
  *error = path + ": " + *error;
  return false;
}

}  // namespace se
