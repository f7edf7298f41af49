// Fuzzes the --config.file parser (yaml-cpp underneath). Never crashes or throws; a failure
// leaves the output alone and has a one-line error; a success holds only values inside the
// documented bounds and canonical policy lists, and writing it out as YAML and parsing that
// again gives the same config.

#include <sys/socket.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "config/config_file.h"
#include "fuzz_check.h"

namespace {

using se::Cidr;
using se::Config;
using se::PortRange;

void CheckMs(std::chrono::milliseconds v, int64_t lo, int64_t hi, const char* key) {
  FUZZ_CHECK(v.count() >= lo && v.count() <= hi,
             std::string(key) + "=" + std::to_string(v.count()));
}

void CheckInt(uint32_t v, uint32_t lo, uint32_t hi, const char* key) {
  FUZZ_CHECK(v >= lo && v <= hi, std::string(key) + "=" + std::to_string(v));
}

// Sorted, and neither overlapping nor adjacent: the parser merges those.
void CheckPorts(const std::vector<PortRange>& ranges, const char* key) {
  FUZZ_CHECK(ranges.size() <= 1024, key);
  for (size_t i = 0; i < ranges.size(); ++i) {
    FUZZ_CHECK(ranges[i].first >= 1 && ranges[i].first <= ranges[i].last, key);
    FUZZ_CHECK(i == 0 || uint32_t{ranges[i - 1].last} + 1 < ranges[i].first, key);
  }
}

// True when every address of c lies in o.
bool Inside(const Cidr& c, const Cidr& o) {
  if (c.family != o.family || c.prefix < o.prefix) return false;
  for (int bit = 0; bit < o.prefix; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((c.addr[bit / 8] & mask) != (o.addr[bit / 8] & mask)) return false;
  }
  return true;
}

// Valid networks without host bits, none inside another one of the list.
void CheckCidrs(const std::vector<Cidr>& cidrs, const char* key) {
  FUZZ_CHECK(cidrs.size() <= 1024, key);
  for (size_t i = 0; i < cidrs.size(); ++i) {
    const Cidr& c = cidrs[i];
    FUZZ_CHECK(c.family == AF_INET || c.family == AF_INET6, key);
    const int bits = c.family == AF_INET ? 32 : 128;
    FUZZ_CHECK(c.prefix <= bits, se::FormatCidr(c));
    for (int bit = c.prefix; bit < 128; ++bit) {
      FUZZ_CHECK(!(c.addr[bit / 8] & (0x80 >> (bit % 8))), "host bits: " + se::FormatCidr(c));
    }
    for (size_t j = 0; j < cidrs.size(); ++j) {
      if (i == j) continue;
      FUZZ_CHECK(!Inside(c, cidrs[j]), se::FormatCidr(c) + " inside " + se::FormatCidr(cidrs[j]));
    }
  }
}

void CheckBounds(const Config& c) {
  const auto& s = c.syn_flood;
  CheckMs(s.tick, 100, 60000, "syn_flood.tick");
  FUZZ_CHECK(std::isfinite(s.min_syn_rate) && s.min_syn_rate > 0, "syn_flood.min_syn_rate");
  FUZZ_CHECK(s.max_completion_ratio > 0 && s.max_completion_ratio <= 1, "max_completion_ratio");
  FUZZ_CHECK(std::isfinite(s.min_listen_drop_rate) && s.min_listen_drop_rate >= 0,
             "min_listen_drop_rate");
  FUZZ_CHECK(s.half_open_fill > 0 && s.half_open_fill <= 1, "half_open_fill");
  CheckInt(s.activate_ticks, 1, 60, "activate_ticks");
  CheckInt(s.clear_ticks, 1, 600, "clear_ticks");
  CheckInt(s.top_sources, 0, 50, "top_sources");
  const auto& p = c.port_scan;
  CheckInt(p.min_ports, 2, 1024, "port_scan.min_ports");
  CheckInt(p.min_addresses, 2, 1024, "port_scan.min_addresses");
  CheckMs(p.window, 1000, 600000, "port_scan.window");
  CheckInt(p.max_sources, 16, 1048576, "port_scan.max_sources");
  CheckMs(p.tick, 100, 60000, "port_scan.tick");
  const auto& e = c.event_log;
  CheckInt(e.burst, 1, 1000, "event_log.burst");
  CheckMs(e.interval, 100, 3600000, "event_log.interval");
  CheckInt(e.max_keys, 16, 1048576, "event_log.max_keys");
  CheckInt(e.max_lines_per_second, 1, 100000, "event_log.max_lines_per_second");
  CheckPorts(c.policy.allowed_listen_ports, "allowed_listen_ports");
  CheckPorts(c.policy.allowed_egress_ports, "allowed_egress_ports");
  CheckCidrs(c.policy.denied_sources, "denied_sources");
  CheckCidrs(c.policy.denied_destinations, "denied_destinations");
  CheckMs(c.policy.tick, 100, 60000, "policy.tick");
}

bool Same(const Config& a, const Config& b) {
  const auto &s = a.syn_flood, &t = b.syn_flood;
  const auto &p = a.port_scan, &q = b.port_scan;
  const auto &e = a.event_log, &f = b.event_log;
  return s.tick == t.tick && s.min_syn_rate == t.min_syn_rate &&
         s.max_completion_ratio == t.max_completion_ratio &&
         s.min_listen_drop_rate == t.min_listen_drop_rate && s.half_open_fill == t.half_open_fill &&
         s.activate_ticks == t.activate_ticks && s.clear_ticks == t.clear_ticks &&
         s.top_sources == t.top_sources && p.min_ports == q.min_ports &&
         p.min_addresses == q.min_addresses && p.window == q.window &&
         p.max_sources == q.max_sources && p.tick == q.tick && e.burst == f.burst &&
         e.interval == f.interval && e.max_keys == f.max_keys &&
         e.max_lines_per_second == f.max_lines_per_second &&
         a.policy.allowed_listen_ports == b.policy.allowed_listen_ports &&
         a.policy.allowed_egress_ports == b.policy.allowed_egress_ports &&
         a.policy.denied_sources == b.policy.denied_sources &&
         a.policy.denied_destinations == b.policy.denied_destinations &&
         a.policy.tick == b.policy.tick;
}

std::string Ms(std::chrono::milliseconds v) { return std::to_string(v.count()) + "ms"; }

std::string Num(double v) {
  char text[40];
  std::snprintf(text, sizeof(text), "%.17g", v);  // exact: reads back to the same double
  return text;
}

std::string Ports(const std::vector<PortRange>& ranges) {
  std::string list;
  for (const auto& r : ranges) {
    list += (list.empty() ? "" : ", ") +
            ("\"" + std::to_string(r.first) + "-" + std::to_string(r.last) + "\"");
  }
  return "[" + list + "]";
}

std::string Cidrs(const std::vector<Cidr>& cidrs) {
  std::string list;
  for (const auto& c : cidrs) {
    list += (list.empty() ? "" : ", ") + ("\"" + se::FormatCidr(c) + "\"");
  }
  return "[" + list + "]";
}

// Every key of the config, written the way docs/configuration.md writes them.
std::string Format(const Config& c) {
  const auto& s = c.syn_flood;
  const auto& p = c.port_scan;
  const auto& e = c.event_log;
  return "syn_flood:\n  tick: " + Ms(s.tick) + "\n  min_syn_rate: " + Num(s.min_syn_rate) +
         "\n  max_completion_ratio: " + Num(s.max_completion_ratio) +
         "\n  min_listen_drop_rate: " + Num(s.min_listen_drop_rate) +
         "\n  half_open_fill: " + Num(s.half_open_fill) +
         "\n  activate_ticks: " + std::to_string(s.activate_ticks) +
         "\n  clear_ticks: " + std::to_string(s.clear_ticks) +
         "\n  top_sources: " + std::to_string(s.top_sources) +
         "\nport_scan:\n  min_ports: " + std::to_string(p.min_ports) +
         "\n  min_addresses: " + std::to_string(p.min_addresses) + "\n  window: " + Ms(p.window) +
         "\n  max_sources: " + std::to_string(p.max_sources) + "\n  tick: " + Ms(p.tick) +
         "\nevent_log:\n  burst: " + std::to_string(e.burst) + "\n  interval: " + Ms(e.interval) +
         "\n  max_keys: " + std::to_string(e.max_keys) +
         "\n  max_lines_per_second: " + std::to_string(e.max_lines_per_second) +
         "\npolicy:\n  allowed_listen_ports: " + Ports(c.policy.allowed_listen_ports) +
         "\n  allowed_egress_ports: " + Ports(c.policy.allowed_egress_ports) +
         "\n  denied_sources: " + Cidrs(c.policy.denied_sources) +
         "\n  denied_destinations: " + Cidrs(c.policy.denied_destinations) +
         "\n  tick: " + Ms(c.policy.tick) + "\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = se::fuzz::Bytes(data, size);
  Config sentinel;
  sentinel.port_scan.min_ports = 1;  // below the bounds: no parse can produce it
  Config config = sentinel;
  std::string error;
  if (!se::ParseConfig(text, &config, &error)) {
    FUZZ_CHECK(!error.empty(), "a failure without an error");
    FUZZ_CHECK(se::fuzz::IsOneLine(error), error);
    FUZZ_CHECK(Same(config, sentinel), "a failed parse changed the output");
    return 0;
  }
  CheckBounds(config);
  const std::string again = Format(config);
  Config reparsed;
  FUZZ_CHECK(se::ParseConfig(again, &reparsed, &error), again + error);
  FUZZ_CHECK(Same(config, reparsed), again);
  return 0;
}
