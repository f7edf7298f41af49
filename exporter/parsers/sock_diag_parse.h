#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "net/protocol.h"

namespace se {

// Kernel TCP state numbers as inet_diag reports them (include/net/tcp_states.h).
inline constexpr uint8_t kTcpSynRecv = 3;
inline constexpr uint8_t kTcpEstablished = 1;
inline constexpr uint8_t kTcpClose = 7;  // also an unconnected UDP socket
inline constexpr uint8_t kTcpListen = 10;

// One socket as the kernel's inet_diag reports it.
struct SocketRecord {
  Protocol protocol = Protocol::kTcp;
  uint8_t family = 0;                     // AF_INET or AF_INET6
  uint8_t state = 0;                      // kernel TCP state number
  std::array<uint8_t, 16> local_addr{};   // network order; IPv4 in the first 4 bytes
  std::array<uint8_t, 16> remote_addr{};  // network order; IPv4 in the first 4 bytes
  uint16_t local_port = 0;                // host order
  uint16_t remote_port = 0;               // host order
  uint32_t rqueue = 0;                    // LISTEN: accept queue length; otherwise bytes unread
  uint32_t wqueue = 0;  // LISTEN: accept queue limit (backlog); otherwise bytes unsent
  uint64_t inode = 0;
  uint32_t drops = 0;  // the socket's drop counter (INET_DIAG_SKMEMINFO, SK_MEMINFO_DROPS)
  uint32_t rmem = 0;    // receive queue memory (SK_MEMINFO_RMEM_ALLOC)
  uint32_t rcvbuf = 0;  // its limit (SK_MEMINFO_RCVBUF)
};

// Outcome of parsing one buffer of a dump reply.
struct ParseStatus {
  bool ok = true;     // false: error holds one line
  bool done = false;  // NLMSG_DONE seen: the dump is complete
  std::string error;
};

// Parses the netlink messages in buf (one recv() of an inet_diag dump) and appends every
// socket to *out. Pure: no system calls, safe on truncated or hostile input.
ParseStatus ParseInetDiagDump(const uint8_t* buf, size_t len, Protocol proto,
                              std::vector<SocketRecord>* out);

// Text form of a socket address: "127.0.0.1", "::", and v4-mapped IPv6 addresses as the
// kernel holds them ("::ffff:127.0.0.1"), since such a socket is an IPv6 socket.
std::string FormatAddress(uint8_t family, const std::array<uint8_t, 16>& addr);

}  // namespace se
