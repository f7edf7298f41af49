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
  // An address as the BPF programs report it (family 4 or 6, bytes in network order). An
  // IPv4-mapped IPv6 address (the IPv4 peer of a dual-stack socket) comes out as plain IPv4.
  static IpAddress FromKernel(uint8_t family, const uint8_t* bytes);
  // Parses dotted IPv4 or textual IPv6; false (and *out untouched) on anything else.
  static bool Parse(const std::string& text, IpAddress* out);

  // inet_ntop form; "" when family is neither AF_INET nor AF_INET6.
  std::string ToString() const;

  bool operator==(const IpAddress& o) const { return family == o.family && bytes == o.bytes; }
  bool operator!=(const IpAddress& o) const { return !(*this == o); }
};

// True for ::ffff:a.b.c.d, an IPv4 address carried by an IPv6 socket (16 bytes).
bool IsV4Mapped(const uint8_t* bytes16);
// ::ffff:a.b.c.d for the IPv4 address v4 (4 bytes, network order).
std::array<uint8_t, 16> V4Mapped(const uint8_t* v4);

// Keyed with a per-process random seed: addresses may be spoofed, so hash-table keys are
// attacker-chosen and must not be steerable into one bucket.
struct IpAddressHash {
  size_t operator()(const IpAddress& a) const;
};

}  // namespace se
