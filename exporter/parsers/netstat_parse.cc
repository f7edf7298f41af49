#include "parsers/netstat_parse.h"

#include <sstream>
#include <vector>

namespace se {
namespace {

std::vector<std::string> Fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string f; in >> f;) out.push_back(f);
  return out;
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

void AddNetstat(const std::map<std::string, uint64_t>& parsed, NetstatCounters* sum) {
  auto get = [&](const char* key) {
    const auto it = parsed.find(key);
    return it == parsed.end() ? 0 : it->second;
  };
  sum->syncookies_sent += get("TcpExt.SyncookiesSent");
  sum->syncookies_failed += get("TcpExt.SyncookiesFailed");
  sum->listen_overflows += get("TcpExt.ListenOverflows");
}

}  // namespace se
