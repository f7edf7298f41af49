#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "net/unique_fd.h"
#include "snapshot/syn_queue.h"

namespace se {

// The TCP sysctls of one network namespace that bound a listener's SYN queue, opened inside
// that namespace and kept open: each Read() sees the current values.
class SynQueueSysctls {
 public:
  // netns_fd -1: the caller's own namespace. Returns nullptr and sets *error on failure.
  static std::unique_ptr<SynQueueSysctls> Open(int netns_fd, const std::string& procfs,
                                               std::string* error);
  SynQueueSysctls(const SynQueueSysctls&) = delete;
  SynQueueSysctls& operator=(const SynQueueSysctls&) = delete;

  // False if a file cannot be read (values then keep their defaults).
  bool Read(SynQueueSysctlValues* values) const;

 private:
  SynQueueSysctls(UniqueFd backlog_fd, UniqueFd cookies_fd)
      : backlog_fd_(std::move(backlog_fd)), cookies_fd_(std::move(cookies_fd)) {}
  UniqueFd backlog_fd_;
  UniqueFd cookies_fd_;
};

}  // namespace se
