#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace se {

// Parses /proc/net/netstat or /proc/net/snmp: pairs of "Prefix: Name1 Name2 ..." and
// "Prefix: 1 2 ..." lines, into "Prefix.Name" -> value. Malformed pairs are skipped.
std::map<std::string, uint64_t> ParseNetstat(const std::string& text);

// Reads /proc/net/netstat as seen from a network namespace (netns_fd -1: the caller's own),
// through a short-lived thread that enters it: /proc/thread-self/net follows the thread.
bool ReadNetstat(int netns_fd, std::string* text, std::string* error);

}  // namespace se
