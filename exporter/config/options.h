#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "socket_exporter.h"

namespace se {

enum class NetnsMode { kSelf, kAll, kPath };
enum class LogFormat { kLogfmt, kJson };
// --probes.syn-hook: auto picks cgroup or tc at start-up (docs/architecture.md, "Counting SYNs").
enum class SynHookChoice { kAuto, kCgroup, kTc };
// --attribution: auto is cgroup with --netns=all (a node), none otherwise (a sidecar already is
// its pod).
enum class AttributionChoice { kAuto, kNone, kCgroup };

inline constexpr const char* kDefaultListenAddress = ":9976";
inline constexpr uint32_t kDefaultPortsMax = 128;
inline constexpr uint32_t kMaxPortsMax = 511;  // SE_MAX_SLOTS - 1
inline constexpr uint32_t kDefaultWorkloadsMax = 128;
inline constexpr uint32_t kMaxWorkloadsMax = SE_MAX_WORKLOADS - 1;  // slot 0 is "other"
inline constexpr uint32_t kDefaultMaxSeries = 20000;
// HTTP limits (docs/http.md says why these values).
inline constexpr uint32_t kDefaultWebMaxConnections = 1024;
inline constexpr uint32_t kDefaultWebMaxConnectionsPerClient = 64;
inline constexpr uint32_t kDefaultWebIdleTimeoutSeconds = 5;
inline constexpr uint32_t kDefaultWebMaxRequestBytes = 32768;

// Every setting of the exporter, parsed and validated once at start-up.
struct Options {
  std::string listen_address = kDefaultListenAddress;
  std::string telemetry_path = "/metrics";
  uint32_t web_max_connections = kDefaultWebMaxConnections;
  uint32_t web_max_connections_per_client = kDefaultWebMaxConnectionsPerClient;  // 0 = no limit
  uint32_t web_idle_timeout_s = kDefaultWebIdleTimeoutSeconds;
  uint32_t web_max_request_bytes = kDefaultWebMaxRequestBytes;  // request line + headers
  std::string web_config_file;  // --web.config.file, "" = plain HTTP without authentication
  NetnsMode netns_mode = NetnsMode::kSelf;
  std::string netns_path;  // kPath only
  std::vector<uint16_t> track_ports;
  uint32_t ports_max = kDefaultPortsMax;
  uint32_t conn_table_entries = 1U << SE_CONN_TABLE_BITS;  // power of two
  bool probes_strict = false;
  SynHookChoice syn_hook = SynHookChoice::kAuto;
  AttributionChoice attribution = AttributionChoice::kAuto;
  uint32_t workloads_max = kDefaultWorkloadsMax;  // with their own label value, "host" included
  uint32_t workloads_retention_s = 30;  // a gone workload's series stay this long
  std::vector<std::string> runtime_roots;  // --path.runtime; empty = the runtimes' defaults
  uint32_t metrics_max_series = kDefaultMaxSeries;
  std::string log_level = "info";
  LogFormat log_format = LogFormat::kLogfmt;
  std::string config_file;  // --config.file, "" = defaults
  std::string events_file;  // --events.file, "" = findings go to the log only
  std::string procfs = "/proc";
  std::string sysfs = "/sys";
  bool show_help = false;
  bool show_version = false;

  bool Attributed() const {
    return attribution == AttributionChoice::kCgroup ||
           (attribution == AttributionChoice::kAuto && netns_mode == NetnsMode::kAll);
  }
};

struct ParseResult {
  bool ok = false;
  std::string error;  // one line, names the flag and the fix
  Options options;
};

// Parses node_exporter-style flags ("--flag=value", "--flag value", "--[no-]bool").
ParseResult ParseFlags(const std::vector<std::string>& args);

// The --help text listing every flag with its default.
std::string UsageText(const std::string& program);

std::string VersionText();

}  // namespace se
