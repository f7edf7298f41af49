#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <tuple>

#include "config/config_fields.h"
#include "config/config_file.h"
#include "net/ip_address.h"

namespace se {
namespace {

constexpr size_t kMaxListEntries = 1024;

// True when the first `prefix` bits of addr equal those of net.
bool PrefixMatches(const uint8_t* net, const uint8_t* addr, int prefix) {
  const int whole = prefix / 8, rest = prefix % 8;
  if (!std::equal(net, net + whole, addr)) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (net[whole] & mask) == (addr[whole] & mask);
}

Cidr Masked(Cidr c) {
  for (int bit = c.prefix; bit < 128; ++bit) {
    c.addr[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
  return c;
}

}  // namespace

bool PortInRanges(const std::vector<PortRange>& ranges, uint16_t port) {
  for (const auto& r : ranges) {
    if (r.first <= port && port <= r.last) return true;
  }
  return false;
}

bool AddressInCidrs(const std::vector<Cidr>& cidrs, int family, const uint8_t* addr) {
  if (family == AF_INET6 && IsV4Mapped(addr)) {
    family = AF_INET;
    addr += 12;
  }
  if (family != AF_INET && family != AF_INET6) return false;
  for (const auto& c : cidrs) {
    if (c.family == family && PrefixMatches(c.addr.data(), addr, c.prefix)) return true;
  }
  return false;
}

std::string FormatCidr(const Cidr& cidr) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (cidr.family == AF_INET || cidr.family == AF_INET6) {
    inet_ntop(cidr.family, cidr.addr.data(), text, sizeof(text));
  }
  return std::string(text) + "/" + std::to_string(cidr.prefix);
}

namespace config_internal {
namespace {

const char kPortWant[] = "; expected a port from 1 to 65535 or a range like \"8000-8100\"";
const char kCidrWant[] = "; expected an IPv4 or IPv6 network like 10.0.0.0/8 or 2001:db8::/32";

// Decimal digits only; anything past five digits reads as 65536 (out of range).
bool ParseDigits(const std::string& s, uint32_t* value) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return false;
  *value = s.size() > 5 ? 65536 : static_cast<uint32_t>(std::stoul(s));
  return true;
}

// A port "443" or an inclusive range "8000-8100", quoted or not.
std::string ParsePortItem(const YAML::Node& node, PortRange* out) {
  const std::string fail = Describe(node);
  if (!node.IsScalar()) return fail + " is not a port or range" + kPortWant;
  const std::string& s = node.Scalar();
  const size_t dash = s.find('-');
  uint32_t first = 0, last = 0;
  const bool ok = dash == std::string::npos ? ParseDigits(s, &first) && ParseDigits(s, &last)
                                            : ParseDigits(s.substr(0, dash), &first) &&
                                                  ParseDigits(s.substr(dash + 1), &last);
  if (!ok) return fail + " is not a port or range" + kPortWant;
  if (first < 1 || last < 1 || first > 65535 || last > 65535) {
    return fail + " is out of range" + kPortWant;
  }
  if (first > last)
    return fail + " is a reversed range; expected first <= last, e.g. \"8000-8100\"";
  out->first = static_cast<uint16_t>(first);
  out->last = static_cast<uint16_t>(last);
  return "";
}

// A network "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128).
std::string ParseCidrItem(const YAML::Node& node, Cidr* out) {
  const std::string fail = Describe(node);
  if (!node.IsScalar()) return fail + " is not a CIDR" + kCidrWant;
  const std::string& s = node.Scalar();
  const size_t slash = s.find('/');
  const std::string address = s.substr(0, slash);
  Cidr c;
  for (int family : {AF_INET, AF_INET6}) {
    if (c.family == 0 && inet_pton(family, address.c_str(), c.addr.data()) == 1) c.family = family;
  }
  const uint32_t bits = c.family == AF_INET ? 32 : 128;
  uint32_t prefix = bits;
  if (c.family == 0 || (slash != std::string::npos && !ParseDigits(s.substr(slash + 1), &prefix))) {
    return fail + " is not a CIDR" + kCidrWant;
  }
  if (prefix > bits) {
    return fail + " has a prefix longer than the address; expected a prefix from 0 to " +
           std::to_string(bits);
  }
  c.prefix = static_cast<uint8_t>(prefix);
  if (c.family == AF_INET6 && prefix >= 96 && IsV4Mapped(c.addr.data())) {
    Cidr v4{AF_INET, {c.addr[12], c.addr[13], c.addr[14], c.addr[15]}, uint8_t(prefix - 96)};
    return fail + " is an IPv4-mapped IPv6 network; write it as IPv4: " + FormatCidr(Masked(v4));
  }
  if (!(Masked(c) == c)) {
    return fail + " has host bits set; did you mean " + FormatCidr(Masked(c)) + "?";
  }
  *out = c;
  return "";
}

// Sorts and merges overlapping or adjacent ranges, so equal sets of ports compare equal.
void Canonicalize(std::vector<PortRange>* ranges) {
  std::sort(ranges->begin(), ranges->end(), [](const PortRange& a, const PortRange& b) {
    return std::tie(a.first, a.last) < std::tie(b.first, b.last);
  });
  std::vector<PortRange> merged;
  for (const auto& r : *ranges) {
    if (!merged.empty() && r.first <= uint32_t{merged.back().last} + 1) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  *ranges = std::move(merged);
}

// Sorts and drops networks inside another entry (a covering network sorts before its parts).
void Canonicalize(std::vector<Cidr>* cidrs) {
  std::sort(cidrs->begin(), cidrs->end(), [](const Cidr& a, const Cidr& b) {
    return std::tie(a.family, a.addr, a.prefix) < std::tie(b.family, b.addr, b.prefix);
  });
  std::vector<Cidr> kept;
  for (const auto& c : *cidrs) {
    const bool inside = !kept.empty() && kept.back().family == c.family &&
                        PrefixMatches(kept.back().addr.data(), c.addr.data(), kept.back().prefix);
    if (!inside) kept.push_back(c);
  }
  *cidrs = std::move(kept);
}

// Reads a YAML list (null = empty) item by item; returns "" or a full error.
template <typename T>
std::string ParseList(const YAML::Node& node, const std::string& path, const char* list_want,
                      std::string (*parse_item)(const YAML::Node&, T*), std::vector<T>* out) {
  out->clear();
  if (node.IsNull()) return "";
  if (!node.IsSequence())
    return path + ": " + Describe(node) + " is not a list; expected " + list_want;
  if (node.size() > kMaxListEntries) {
    return path + ": a list of " + std::to_string(node.size()) +
           " entries is too long; expected at most " + std::to_string(kMaxListEntries);
  }
  for (size_t i = 0; i < node.size(); ++i) {
    T item;
    const std::string err = parse_item(node[i], &item);
    if (!err.empty()) return path + "[" + std::to_string(i) + "]: " + err;
    out->push_back(item);
  }
  Canonicalize(out);
  return "";
}

std::string ParseTick(const YAML::Node& node, const std::string& path,
                      std::chrono::milliseconds* out) {
  static const Bounds kTick{100, true, 60000, "a duration from 100ms to 60s, e.g. 500ms or 2.5s"};
  double ms = 0;
  const std::string err = ReadValue(Kind::kDuration, kTick, node, &ms);
  if (!err.empty()) return path + ": " + err;
  Store(ms, out);
  return "";
}

const char kPortsWant[] = "a list of ports and ranges, e.g. [22, 443, \"8000-8100\"]";
const char kCidrsWant[] = "a list of networks, e.g. [10.0.0.0/8, \"2001:db8::/32\"]";

}  // namespace

bool ParsePolicy(const YAML::Node& node, PolicyConfig* out, std::string* error) {
  const std::vector<std::string> keys = {"allowed_listen_ports", "allowed_egress_ports",
                                         "denied_sources", "denied_destinations", "tick"};
  const auto handle = [out](const std::string& key, const YAML::Node& value) {
    const std::string path = "policy." + key;
    if (key == "tick") return ParseTick(value, path, &out->tick);
    if (key == "allowed_listen_ports") {
      return ParseList(value, path, kPortsWant, ParsePortItem, &out->allowed_listen_ports);
    }
    if (key == "allowed_egress_ports") {
      return ParseList(value, path, kPortsWant, ParsePortItem, &out->allowed_egress_ports);
    }
    if (key == "denied_sources") {
      return ParseList(value, path, kCidrsWant, ParseCidrItem, &out->denied_sources);
    }
    return ParseList(value, path, kCidrsWant, ParseCidrItem, &out->denied_destinations);
  };
  return ParseMap(node, MapSpec{"policy", "policy", "a map of connection rules"}, keys, handle,
                  error);
}

}  // namespace config_internal
}  // namespace se
