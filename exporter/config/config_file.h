#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

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

// Thresholds of the port scan detector (the `port_scan:` section).
struct PortScanConfig {
  uint32_t min_ports = 20;                  // distinct closed ports of one address (vertical scan)
  uint32_t min_addresses = 20;              // distinct addresses on one port (horizontal sweep)
  std::chrono::milliseconds window{10000};  // both counted within this sliding window
  uint32_t max_sources = 4096;              // sources tracked at once; least recently seen evicted
  std::chrono::milliseconds tick{1000};     // how often episodes of quiet sources are ended
};

// Rate limit of finding log lines per (rule, source) (the `event_log:` section).
struct EventLogConfig {
  uint32_t burst = 5;                         // lines a key may log at once
  std::chrono::milliseconds interval{10000};  // one more line allowed per interval
  uint32_t max_keys = 4096;                   // keys remembered; least recently used forgotten
  uint32_t max_lines_per_second = 50;         // all keys together (spoofed sources are many)
};

struct PortRange {
  uint16_t first = 0, last = 0;  // inclusive
  bool operator==(const PortRange& o) const { return first == o.first && last == o.last; }
};

// An IPv4 or IPv6 network. IPv4 addresses sit in the first 4 bytes of addr.
struct Cidr {
  int family = 0;  // AF_INET or AF_INET6
  std::array<uint8_t, 16> addr{};
  uint8_t prefix = 0;
  bool operator==(const Cidr& o) const {
    return family == o.family && addr == o.addr && prefix == o.prefix;
  }
};

// Connection policy (the `policy:` section). An empty list turns its rule off.
struct PolicyConfig {
  std::vector<PortRange> allowed_listen_ports;  // else: unexpected_listener
  std::vector<PortRange> allowed_egress_ports;  // else: unexpected_egress
  std::vector<Cidr> denied_sources;             // inbound accepts from: denied_source
  std::vector<Cidr> denied_destinations;        // outbound connects to: denied_destination
  std::chrono::milliseconds tick{1000};         // how often listeners are checked (socket tables)
};

// Everything --config.file can set, parsed and validated once.
struct Config {
  SynFloodConfig syn_flood;
  PortScanConfig port_scan;
  EventLogConfig event_log;
  PolicyConfig policy;
};

// Parses YAML text; on error returns false and a one-line *error naming the key, the bad
// value and what is expected. Unknown keys are errors. An empty document gives the defaults.
bool ParseConfig(const std::string& yaml_text, Config* out, std::string* error);

// Reads and parses a file; errors are prefixed with the path.
bool LoadConfigFile(const std::string& path, Config* out, std::string* error);

// True when port lies in one of the inclusive ranges (any order, overlaps allowed).
bool PortInRanges(const std::vector<PortRange>& ranges, uint16_t port);

// True when addr (4 bytes for AF_INET, 16 for AF_INET6) lies in one of the networks. An
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) is matched as the IPv4 address it carries.
bool AddressInCidrs(const std::vector<Cidr>& cidrs, int family, const uint8_t* addr);

// "10.0.0.0/8", "2001:db8::/32"; for log lines naming a rule.
std::string FormatCidr(const Cidr& cidr);

}  // namespace se
