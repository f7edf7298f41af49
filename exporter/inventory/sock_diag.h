#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace se {

enum class Protocol { kTcp, kUdp };

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

// A NETLINK_SOCK_DIAG socket bound to one network namespace for its whole life.
class SockDiag {
 public:
  // netns_fd == -1: the calling thread's namespace; otherwise the socket is created inside
  // the namespace the fd refers to. Returns nullptr and sets *error on failure.
  static std::unique_ptr<SockDiag> Open(int netns_fd, std::string* error);
  ~SockDiag();
  SockDiag(const SockDiag&) = delete;
  SockDiag& operator=(const SockDiag&) = delete;

  // Appends every socket of proto and family (AF_INET/AF_INET6) whose state bit is set in
  // state_mask (1 << kTcpListen, ...). Returns false and sets *error on failure.
  bool Dump(Protocol proto, int family, uint32_t state_mask, std::vector<SocketRecord>* out,
            std::string* error);

 private:
  explicit SockDiag(int fd) : fd_(fd) {}
  bool SendRequest(Protocol proto, int family, uint32_t state_mask, std::string* error);
  int fd_;
  uint32_t seq_ = 0;
};

}  // namespace se
