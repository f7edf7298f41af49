#include "inventory/netstat.h"

#include <sched.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace se {
namespace {

std::vector<std::string> Fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

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

std::map<std::string, uint64_t> ParseNetstat(const std::string& text) {
  std::map<std::string, uint64_t> out;
  std::istringstream in(text);
  std::string names, values;
  while (std::getline(in, names) && std::getline(in, values)) {
    const auto n = Fields(names), v = Fields(values);
    if (n.empty() || v.size() != n.size() || n[0] != v[0] || n[0].back() != ':') continue;
    const std::string prefix = n[0].substr(0, n[0].size() - 1);
    for (size_t i = 1; i < n.size(); ++i) {
      char* end = nullptr;
      const unsigned long long x = std::strtoull(v[i].c_str(), &end, 10);
      if (end && *end == '\0') out[prefix + "." + n[i]] = x;
    }
  }
  return out;
}

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

}  // namespace se
