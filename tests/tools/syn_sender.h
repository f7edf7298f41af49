// Crafted TCP SYNs over a raw socket: spoofed sources drawn from a CIDR, destination ports
// cycling through a range. Used by the SYN, flood and scan tests and by the SYN benchmark.
// Needs CAP_NET_RAW; send only inside network namespaces you created.
#ifndef SE_TESTS_TOOLS_SYN_SENDER_H_
#define SE_TESTS_TOOLS_SYN_SENDER_H_

#include <netinet/in.h>

#include <cstdint>
#include <string>

namespace se::test {

struct SynPlan {
  int family = AF_INET;  // AF_INET or AF_INET6
  in6_addr dst{};        // IPv4 in the first 4 bytes for AF_INET
  in6_addr src_base{};   // spoofed sources: src_base with the low (width - prefix) bits random
  int src_prefix = 32;   // 32 (or 128) = always src_base
  uint16_t port_first = 0, port_last = 0;  // destination ports, cycled in order
  uint64_t count = 1;                      // SYNs to send
  uint64_t rate = 0;                       // SYNs per second; 0 = as fast as possible
  double max_seconds = 30;                 // stop after this long even if count is not reached
  uint64_t seed = 1;
  uint32_t dst_count = 1;           // destinations dst, dst+1, ... (last byte(s) counting up)
  bool sequential_sources = false;  // sources src_base+0, +1, ... instead of random ones
};

// Parses "10.0.0.1", "fd00::1" into *addr and *family; false if neither.
bool ParseAddress(const std::string& text, in6_addr* addr, int* family);

// Parses "10.201.0.0/16" (or an address alone, = /32 or /128); the family must match.
bool ParseCidr(const std::string& text, int family, in6_addr* base, int* prefix);

class SynSender {
 public:
  // Opens the raw socket; on failure valid() is false and error() says why.
  explicit SynSender(const SynPlan& plan);
  ~SynSender();
  SynSender(const SynSender&) = delete;
  SynSender& operator=(const SynSender&) = delete;

  bool valid() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

  // Sends up to plan.count SYNs (bounded by plan.max_seconds); returns how many went out.
  // Stops early and sets error() if the kernel refuses a packet.
  uint64_t Run();

  // Sends exactly one SYN; false (error() set) if the kernel refused it.
  bool SendOne();

 private:
  size_t Build(uint8_t* packet);
  uint64_t Next();

  SynPlan plan_;
  int fd_ = -1;
  std::string error_;
  uint64_t state_;
  uint32_t port_index_ = 0;
  uint64_t sent_ = 0;
};

}  // namespace se::test

#endif  // SE_TESTS_TOOLS_SYN_SENDER_H_
