#pragma once

#include <string>
#include <vector>

#include "inventory/netns_scope.h"
#include "parsers/netstat_parse.h"

namespace se {

// Reads /proc/net/netstat as seen from a network namespace (netns_fd -1: the caller's own),
// through a short-lived thread that enters it: /proc/thread-self/net follows the thread.
bool ReadNetstat(int netns_fd, std::string* text, std::string* error);

// Opens /proc/net/netstat of a namespace once, from a thread that enters it (needs
// CAP_SYS_ADMIN, so at start-up); the file keeps reading that namespace's counters.
UniqueFd OpenNetstat(int netns_fd, std::string* error);
// Reads an OpenNetstat() file anew from its start.
bool ReadNetstatFile(int fd, std::string* text, std::string* error);

// Reads and sums the TcpExt counters of every namespace in scope; fails with the scope's
// error or at the first namespace that cannot be read.
NetstatReading ReadNetstatCounters(const ScopeReading& scope);

}  // namespace se
