#include "config/port_list.h"

#include <bitset>
#include <cctype>

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

// A set of ports, so that repeated wide ranges ("1-65535,1-65535,...") cost nothing extra.
using PortSet = std::bitset<65536>;

bool ParseToken(const std::string& token, PortSet* ports) {
  const auto dash = token.find('-');
  uint32_t lo = 0, hi = 0;
  if (dash == std::string::npos) {
    if (!ParsePort(token, &lo)) return false;
    hi = lo;
  } else if (!ParsePort(token.substr(0, dash), &lo) || !ParsePort(token.substr(dash + 1), &hi) ||
             lo > hi) {
    return false;
  }
  for (uint32_t p = lo; p <= hi; ++p) ports->set(p);
  return true;
}

// Spaces around an item ("22, 80") are allowed; inside one ("8 0", "80 - 81") they are not.
std::string Trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

}  // namespace

bool ParsePortList(const std::string& text, std::vector<uint16_t>* ports, std::string* error) {
  PortSet seen;
  // "" tracks nothing; otherwise every comma separates two items, so "80," and ",," are errors.
  for (size_t at = 0; !text.empty() && at <= text.size();) {
    size_t end = text.find(',', at);
    if (end == std::string::npos) end = text.size();
    const std::string token = Trim(text.substr(at, end - at));
    if (!ParseToken(token, &seen)) {
      *error = "--ports.track: bad token \"" + token + "\"" +
               (token.empty() ? " (an empty item)" : "") +
               ": use ports 1-65535 and ranges LOW-HIGH separated by commas, e.g. 22,80,8000-8100";
      return false;
    }
    at = end + 1;
  }
  std::vector<uint16_t> out;
  out.reserve(seen.count());
  for (uint32_t p = 1; p <= 65535; ++p) {
    if (seen.test(p)) out.push_back(static_cast<uint16_t>(p));
  }
  *ports = std::move(out);
  return true;
}

}  // namespace se
