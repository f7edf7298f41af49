#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace se {

// The TCP sysctls of one network namespace that bound a listener's SYN queue, opened inside
// that namespace and kept open: each Read() sees the current values.
class SynQueueSysctls {
 public:
  // netns_fd -1: the caller's own namespace. Returns nullptr and sets *error on failure.
  static std::unique_ptr<SynQueueSysctls> Open(int netns_fd, const std::string& procfs,
                                               std::string* error);
  ~SynQueueSysctls();
  SynQueueSysctls(const SynQueueSysctls&) = delete;
  SynQueueSysctls& operator=(const SynQueueSysctls&) = delete;

  struct Values {
    uint32_t max_syn_backlog = 0;  // net.ipv4.tcp_max_syn_backlog
    uint32_t syncookies = 1;       // net.ipv4.tcp_syncookies
  };
  // False if a file cannot be read (values then keep their defaults).
  bool Read(Values* values) const;

 private:
  SynQueueSysctls(int backlog_fd, int cookies_fd)
      : backlog_fd_(backlog_fd), cookies_fd_(cookies_fd) {}
  int backlog_fd_;
  int cookies_fd_;
};

// How many request sockets a listener's SYN queue holds before the kernel answers with SYN
// cookies or drops: the listen() backlog, and without cookies also 3/4 of tcp_max_syn_backlog
// (tcp_conn_request drops once fewer than a quarter of it is left).
uint32_t SynQueueLimit(uint32_t accept_limit, const SynQueueSysctls::Values& sysctls);

}  // namespace se
