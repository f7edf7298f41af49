#pragma once

#include <cstdint>
#include <string>

namespace se {

struct ListenAddress {
  std::string host;  // "" = every address (IPv4 and IPv6); IPv6 literals without brackets
  uint16_t port = 0;
  bool ipv6 = false;
};

// Parses "[HOST]:PORT", "[::1]:PORT" or "localhost:PORT" (pure). On failure *error names
// the value and the expected form.
bool ParseListenAddress(const std::string& text, ListenAddress* out, std::string* error);

// civetweb's "listening_ports" value for an address.
std::string CivetwebPorts(const ListenAddress& a, bool have_ipv6);

// Tries to bind the address, so a busy or foreign address is reported before anything
// is attached; returns false with a one-line *error.
bool CheckBindable(const ListenAddress& a, const std::string& flag_value, std::string* error);

}  // namespace se
