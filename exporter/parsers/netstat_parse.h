#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace se {

// Parses /proc/net/netstat or /proc/net/snmp: pairs of "Prefix: Name1 Name2 ..." and
// "Prefix: 1 2 ..." lines, into "Prefix.Name" -> value. Malformed pairs are skipped.
std::map<std::string, uint64_t> ParseNetstat(const std::string& text);

// The kernel's own TcpExt counters, summed over the namespaces in scope.
struct NetstatCounters {
  uint64_t syncookies_sent = 0;
  uint64_t syncookies_failed = 0;
  uint64_t listen_overflows = 0;
};

// Adds one namespace's parsed netstat (ParseNetstat) into *sum.
void AddNetstat(const std::map<std::string, uint64_t>& parsed, NetstatCounters* sum);

// One scrape's read of the counters: error is "" when every namespace was read.
struct NetstatReading {
  NetstatCounters counters;
  std::string error;
};

}  // namespace se
