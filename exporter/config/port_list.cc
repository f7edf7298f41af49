#include "config/port_list.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace se {
namespace {

bool ParsePort(const std::string& s, uint32_t* port) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  *port = static_cast<uint32_t>(std::stoul(s));
  return *port >= 1 && *port <= 65535;
}

bool ParseToken(const std::string& token, std::vector<uint16_t>* ports) {
  const auto dash = token.find('-');
  uint32_t lo = 0, hi = 0;
  if (dash == std::string::npos) {
    if (!ParsePort(token, &lo)) return false;
    hi = lo;
  } else if (!ParsePort(token.substr(0, dash), &lo) || !ParsePort(token.substr(dash + 1), &hi) ||
             lo > hi) {
    return false;
  }
  for (uint32_t p = lo; p <= hi; ++p) ports->push_back(static_cast<uint16_t>(p));
  return true;
}

}  // namespace

bool ParsePortList(const std::string& text, std::vector<uint16_t>* ports, std::string* error) {
  std::vector<uint16_t> out;
  std::stringstream in(text);
  std::string token;
  while (std::getline(in, token, ',')) {
    token.erase(std::remove_if(token.begin(), token.end(), ::isspace), token.end());
    if (token.empty() && text.find_first_not_of(" ,") == std::string::npos) continue;
    if (!ParseToken(token, &out)) {
      *error =
          "--ports.track: bad token \"" + token +
          "\": use ports 1-65535 and ranges LOW-HIGH separated by commas, e.g. 22,80,8000-8100";
      return false;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  *ports = std::move(out);
  return true;
}

}  // namespace se
