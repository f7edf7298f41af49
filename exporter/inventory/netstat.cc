#include "inventory/netstat.h"

#include <sched.h>

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

NetstatReading ReadNetstatCounters(const ScopeReading& scope) {
  NetstatReading reading;
  reading.error = scope.error;
  if (!reading.error.empty()) return reading;
  for (const NetnsHandle& ns : scope.namespaces) {
    std::string text, error;
    if (!ReadNetstat(ns.fd, &text, &error)) {
      reading.error = "netns " + std::to_string(ns.inode) + ": reading netstat: " + error;
      return reading;
    }
    AddNetstat(ParseNetstat(text), &reading.counters);
  }
  return reading;
}

}  // namespace se
