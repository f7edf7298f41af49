#include "tcp_pair.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "bench_meters.h"

namespace se::bench {
namespace {

constexpr int kTimeoutSeconds = 2;

sockaddr_in Address(const std::string& addr, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, addr.c_str(), &a.sin_addr) != 1) throw MeterError("bad address " + addr);
  return a;
}

void SetTimeouts(int fd, const std::string& what) {
  const timeval tv{kTimeoutSeconds, 0};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
    throw MeterError(Errno(what + " setsockopt"));
}

}  // namespace

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

TcpPair ConnectAcross(const test::Netns& server_ns, const test::Netns& client_ns,
                      const std::string& addr, uint16_t port, const std::string& what) {
  const sockaddr_in a = Address(addr, port);
  UniqueFd listener;
  TcpPair pair;
  server_ns.RunIn([&] {
    listener.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int one = 1;
    if (!listener || setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(listener.get(), reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0 ||
        listen(listener.get(), 1) != 0)
      throw MeterError(Errno(what + " listen on " + addr));
    SetTimeouts(listener.get(), what);  // accept() honours SO_RCVTIMEO
  });
  client_ns.RunIn([&] {
    pair.client.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!pair.client) throw MeterError(Errno(what + " socket"));
    SetTimeouts(pair.client.get(), what);  // connect() honours SO_SNDTIMEO
    if (connect(pair.client.get(), reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0)
      throw MeterError(Errno(what + " connect to " + addr));
  });
  pair.server.reset(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!pair.server) throw MeterError(Errno(what + " accept"));
  SetTimeouts(pair.server.get(), what);
  return pair;
}

}  // namespace se::bench
