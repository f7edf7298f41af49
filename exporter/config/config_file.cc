#include "config/config_file.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <vector>

#include "config/config_fields.h"

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
