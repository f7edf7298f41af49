#pragma once

#include <cstdint>
#include <string>

#include "net/unique_fd.h"

namespace se {

struct ListenAddress {
  std::string host;  // "" = every address (IPv4 and IPv6); IPv6 literals without brackets
  uint16_t port = 0;
  bool ipv6 = false;
};

// Parses "[HOST]:PORT", "[::1]:PORT" or "localhost:PORT" (pure). On failure *error names
// the value and the expected form.
bool ParseListenAddress(const std::string& text, ListenAddress* out, std::string* error);

// Tries to bind the address, so a busy or foreign address is reported before anything
// is attached; returns false with a one-line *error.
bool CheckBindable(const ListenAddress& a, const std::string& flag_value, std::string* error);

// The listening socket for the address (SO_REUSEADDR, non-blocking, close-on-exec): an empty
// host and "::" are dual-stack (IPV6_V6ONLY=0, like node_exporter; IPv4 alone on a host
// without IPv6), other IPv6 addresses IPv6 only. Invalid with a one-line *error.
UniqueFd ListenSocket(const ListenAddress& a, const std::string& flag_value, int backlog,
                      std::string* error);

}  // namespace se
