#include "inventory/netns_sysctl.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace se {
namespace {

bool ReadNumber(int fd, uint32_t* value) {
  char buf[32];
  const ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return false;
  buf[n] = '\0';
  char* end = nullptr;
  const unsigned long v = std::strtoul(buf, &end, 10);
  if (end == buf) return false;
  *value = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

std::unique_ptr<SynQueueSysctls> SynQueueSysctls::Open(int netns_fd, const std::string& procfs,
                                                       std::string* error) {
  const std::string dir = procfs + "/sys/net/ipv4/";
  UniqueFd fds[2];
  std::string failure;
  // /proc/sys/net resolves to the namespace of the opening thread.
  auto open_both = [&] {
    const char* names[2] = {"tcp_max_syn_backlog", "tcp_syncookies"};
    for (int i = 0; i < 2 && failure.empty(); ++i) {
      fds[i].reset(open((dir + names[i]).c_str(), O_RDONLY | O_CLOEXEC));
      if (!fds[i]) failure = dir + names[i] + ": " + std::strerror(errno);
    }
  };
  if (netns_fd < 0) {
    open_both();
  } else {
    std::thread t([&] {
      if (setns(netns_fd, CLONE_NEWNET) != 0) {
        failure = std::string("setns(CLONE_NEWNET): ") + std::strerror(errno);
        return;
      }
      open_both();
    });
    t.join();
  }
  if (!failure.empty()) {
    *error = failure;
    return nullptr;
  }
  return std::unique_ptr<SynQueueSysctls>(
      new SynQueueSysctls(std::move(fds[0]), std::move(fds[1])));
}

bool SynQueueSysctls::Read(SynQueueSysctlValues* values) const {
  return ReadNumber(backlog_fd_.get(), &values->max_syn_backlog) &&
         ReadNumber(cookies_fd_.get(), &values->syncookies);
}

}  // namespace se
