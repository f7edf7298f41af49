#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace se {

// An IPv4 or IPv6 address as a plain value: hashable, comparable, cheap to copy.
struct IpAddress {
  int family = 0;                   // AF_INET, AF_INET6, or 0 for none
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 in bytes[0..3], the rest zero

  static IpAddress FromV4(uint32_t network_order);
  static IpAddress FromV6(const uint8_t* bytes16);
  // Parses dotted IPv4 or textual IPv6; false (and *out untouched) on anything else.
  static bool Parse(const std::string& text, IpAddress* out);

  // inet_ntop form; "" when family is neither AF_INET nor AF_INET6.
  std::string ToString() const;

  bool operator==(const IpAddress& o) const { return family == o.family && bytes == o.bytes; }
  bool operator!=(const IpAddress& o) const { return !(*this == o); }
};

// Keyed with a per-process random seed: addresses may be spoofed, so hash-table keys are
// attacker-chosen and must not be steerable into one bucket.
struct IpAddressHash {
  size_t operator()(const IpAddress& a) const;
};

}  // namespace se
