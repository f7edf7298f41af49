#include "net/ip_address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <random>

namespace se {
namespace {

uint64_t Mix(uint64_t x) {
  // splitmix64 finalizer: every input bit affects every output bit.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Seed() {
  static const uint64_t seed = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }();
  return seed;
}

}  // namespace

IpAddress IpAddress::FromV4(uint32_t network_order) {
  IpAddress a;
  a.family = AF_INET;
  std::memcpy(a.bytes.data(), &network_order, 4);
  return a;
}

IpAddress IpAddress::FromV6(const uint8_t* bytes16) {
  IpAddress a;
  a.family = AF_INET6;
  std::memcpy(a.bytes.data(), bytes16, 16);
  return a;
}

IpAddress IpAddress::FromKernel(uint8_t family, const uint8_t* bytes) {
  if (family == 4 || (family == 6 && IsV4Mapped(bytes))) {
    uint32_t v4;
    std::memcpy(&v4, bytes + (family == 6 ? 12 : 0), 4);
    return FromV4(v4);
  }
  return FromV6(bytes);
}

bool IsV4Mapped(const uint8_t* bytes16) {
  static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes16, kPrefix, sizeof(kPrefix)) == 0;
}

std::array<uint8_t, 16> V4Mapped(const uint8_t* v4) {
  std::array<uint8_t, 16> out{};
  out[10] = out[11] = 0xff;
  std::memcpy(&out[12], v4, 4);
  return out;
}

bool IpAddress::Parse(const std::string& text, IpAddress* out) {
  IpAddress a;
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, text.c_str(), a.bytes.data()) == 1) {
      a.family = family;
      *out = a;
      return true;
    }
  }
  return false;
}

std::string IpAddress::ToString() const {
  if (family != AF_INET && family != AF_INET6) return "";
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, bytes.data(), text, sizeof(text)) == nullptr) return "";
  return text;
}

size_t IpAddressHash::operator()(const IpAddress& a) const {
  uint64_t hi, lo;
  std::memcpy(&hi, a.bytes.data(), 8);
  std::memcpy(&lo, a.bytes.data() + 8, 8);
  const uint64_t h = Mix(hi ^ Seed() ^ static_cast<uint64_t>(a.family));
  return static_cast<size_t>(Mix(h ^ lo));
}

}  // namespace se
