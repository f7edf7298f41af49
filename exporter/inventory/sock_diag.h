#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/unique_fd.h"
#include "parsers/sock_diag_parse.h"

namespace se {

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
  explicit SockDiag(UniqueFd fd) : fd_(std::move(fd)) {}
  bool SendRequest(Protocol proto, int family, uint32_t state_mask, std::string* error);
  UniqueFd fd_;
  uint32_t seq_ = 0;
};

}  // namespace se
