#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace se {

// Thresholds of the SYN flood detector (the `syn_flood:` section of --config.file).
struct SynFloodConfig {
  std::chrono::milliseconds tick{1000};  // detector period
  double min_syn_rate = 200;             // SYN/s on a port below which it is never flooded
  double max_completion_ratio = 0.5;     // handshakes completed / SYNs below which it is suspect
  double min_listen_drop_rate = 10;      // listen drops/s that make it suspect
  double half_open_fill = 0.5;           // half-open / SYN backlog at or above which it is suspect
  uint32_t activate_ticks = 1;           // consecutive suspect ticks to start an episode
  uint32_t clear_ticks = 5;              // consecutive calm ticks to end it (hysteresis)
  uint32_t top_sources = 5;              // source prefixes named in the episode log lines
};

// Everything --config.file can set, parsed and validated once.
struct Config {
  SynFloodConfig syn_flood;
};

// Parses YAML text; on error returns false and a one-line *error naming the key, the bad
// value and what is expected. Unknown keys are errors. An empty document gives the defaults.
bool ParseConfig(const std::string& yaml_text, Config* out, std::string* error);

// Reads and parses a file; errors are prefixed with the path.
bool LoadConfigFile(const std::string& path, Config* out, std::string* error);

}  // namespace se
