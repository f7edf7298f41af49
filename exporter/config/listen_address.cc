#include "config/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

namespace {

// A socket bound to the address, or invalid with errno set.
UniqueFd BindTo(const ListenAddress& a) {
  const bool v6 = a.ipv6 || a.host.empty();
  UniqueFd fd(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd && a.host.empty()) return BindTo(ListenAddress{"0.0.0.0", a.port, false});
  if (!fd) return fd;
  const int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage ss{};
  socklen_t len;
  if (v6) {
    // Dual-stack only for the wildcard: [::1] must not also take 127.0.0.1.
    const int v6only = (a.host.empty() || a.host == "::") ? 0 : 1;
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
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
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    const int err = errno;
    fd.reset();
    errno = err;
  }
  return fd;
}

std::string BindError(int err, const std::string& flag_value) {
  const std::string flag = "--web.listen-address=" + flag_value;
  if (err == EADDRINUSE)
    return flag + ": address already in use; stop the process using it or choose another port";
  if (err == EADDRNOTAVAIL)
    return flag + ": not an address of this host; use one of its addresses or omit the host";
  return flag + ": cannot bind: " + std::strerror(err);
}

}  // namespace

bool CheckBindable(const ListenAddress& a, const std::string& flag_value, std::string* error) {
  errno = 0;
  if (BindTo(a)) return true;
  *error = BindError(errno, flag_value);
  return false;
}

UniqueFd ListenSocket(const ListenAddress& a, const std::string& flag_value, int backlog,
                      std::string* error) {
  errno = 0;
  UniqueFd fd = BindTo(a);
  if (fd && listen(fd.get(), backlog) != 0) {
    const int err = errno;
    fd.reset();
    errno = err;
  }
  if (!fd) *error = BindError(errno, flag_value);
  return fd;
}

}  // namespace se
