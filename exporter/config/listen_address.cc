#include "config/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/unique_fd.h"

namespace se {
namespace {

bool ParsePortText(const std::string& s, uint16_t* port) {
  if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const unsigned long n = std::stoul(s);
  if (n > 65535) return false;
  *port = static_cast<uint16_t>(n);
  return true;
}

}  // namespace

bool ParseListenAddress(const std::string& text, ListenAddress* out, std::string* error) {
  const std::string form = "--web.listen-address=" + text +
                           ": expected [HOST]:PORT with an IP address or localhost, e.g. :9976, "
                           "127.0.0.1:9976 or [::1]:9976";
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return *error = form, false;
  std::string host = text.substr(0, colon);
  ListenAddress a;
  if (!ParsePortText(text.substr(colon + 1), &a.port)) return *error = form, false;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    in6_addr v6;
    if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return *error = form, false;
    a.ipv6 = true;
  } else if (host == "localhost") {
    host = "127.0.0.1";
  } else if (!host.empty()) {
    in_addr v4;
    if (inet_pton(AF_INET, host.c_str(), &v4) != 1) return *error = form, false;
  }
  a.host = host;
  *out = a;
  return true;
}

std::string CivetwebPorts(const ListenAddress& a, bool have_ipv6) {
  const std::string port = std::to_string(a.port);
  if (a.host.empty()) return (have_ipv6 ? "+" : "") + port;
  if (a.ipv6) return "[" + a.host + "]:" + port;
  return a.host + ":" + port;
}

bool CheckBindable(const ListenAddress& a, const std::string& flag_value, std::string* error) {
  const bool v6 = a.ipv6 || a.host.empty();
  UniqueFd fd(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd && a.host.empty()) fd.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return *error = std::string("cannot create a socket: ") + std::strerror(errno), false;
  const int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage ss{};
  socklen_t len;
  if (v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a.port);
    s6->sin6_addr = in6addr_any;
    if (!a.host.empty()) inet_pton(AF_INET6, a.host.c_str(), &s6->sin6_addr);
    len = sizeof(*s6);
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(a.port);
    inet_pton(AF_INET, a.host.c_str(), &s4->sin_addr);
    len = sizeof(*s4);
  }
  const int rc = bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len);
  const int err = errno;
  if (rc == 0) return true;
  if (err == EADDRINUSE) {
    *error = "--web.listen-address=" + flag_value +
             ": address already in use; stop the process using it or choose another port";
  } else if (err == EADDRNOTAVAIL) {
    *error = "--web.listen-address=" + flag_value +
             ": not an address of this host; use one of its addresses or omit the host";
  } else {
    *error = "--web.listen-address=" + flag_value + ": cannot bind: " + std::strerror(err);
  }
  return false;
}

}  // namespace se
