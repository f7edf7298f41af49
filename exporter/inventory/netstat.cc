#include "inventory/netstat.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace se {
namespace {

bool ReadFile(const std::string& path, std::string* text, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  *text = buf.str();
  return true;
}

}  // namespace

bool ReadNetstat(int netns_fd, std::string* text, std::string* error) {
  const std::string path = "/proc/thread-self/net/netstat";
  if (netns_fd < 0) return ReadFile(path, text, error);
  bool ok = false;
  std::thread reader([&] {
    if (setns(netns_fd, CLONE_NEWNET) != 0) {
      *error = std::string("setns: ") + std::strerror(errno);
      return;
    }
    ok = ReadFile(path, text, error);
  });
  reader.join();
  return ok;
}

UniqueFd OpenNetstat(int netns_fd, std::string* error) {
  UniqueFd fd;
  std::thread opener([&] {
    if (setns(netns_fd, CLONE_NEWNET) != 0) {
      *error = std::string("setns: ") + std::strerror(errno);
      return;
    }
    fd.reset(open("/proc/thread-self/net/netstat", O_RDONLY | O_CLOEXEC));
    if (!fd) *error = std::string("/proc/thread-self/net/netstat: ") + std::strerror(errno);
  });
  opener.join();
  return fd;
}

bool ReadNetstatFile(int fd, std::string* text, std::string* error) {
  text->clear();
  char buf[4096];
  for (off_t at = 0;;) {
    const ssize_t n = pread(fd, buf, sizeof(buf), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = std::string("reading netstat: ") + std::strerror(errno);
      return false;
    }
    if (n == 0) return true;
    text->append(buf, static_cast<size_t>(n));
    at += n;
  }
}

NetstatReading ReadNetstatCounters(const ScopeReading& scope) {
  NetstatReading reading;
  reading.error = scope.error;
  if (!reading.error.empty()) return reading;
  for (const NetnsHandle& ns : scope.namespaces) {
    std::string text, error;
    // A namespace other than ours is read through the file opened when it was added: entering
    // it now would need CAP_SYS_ADMIN, which --netns=PATH drops after start-up.
    const bool ok = ns.netstat_fd >= 0 ? ReadNetstatFile(ns.netstat_fd, &text, &error)
                                       : ReadNetstat(ns.fd, &text, &error);
    if (!ok) {
      reading.error = "netns " + std::to_string(ns.inode) + ": reading netstat: " + error;
      return reading;
    }
    AddNetstat(ParseNetstat(text), &reading.counters);
  }
  return reading;
}

}  // namespace se
