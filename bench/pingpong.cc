#include "pingpong.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "bench_meters.h"

namespace se::bench {
namespace {

constexpr size_t kMessage = 64;
constexpr int kTimeoutSeconds = 2;  // bounds every blocking call: connect, accept, recv, send

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

sockaddr_in Address(const std::string& addr, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, addr.c_str(), &a.sin_addr) != 1) throw MeterError("bad address " + addr);
  return a;
}

void SetTimeouts(int fd) {
  const timeval tv{kTimeoutSeconds, 0};
  const int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
    throw MeterError(Errno("setsockopt"));
}

// Moves one message from one end to the other; each call is bounded by the timeouts.
void Exchange(int from, int to, char* buf) {
  if (send(from, buf, kMessage, MSG_NOSIGNAL) != static_cast<ssize_t>(kMessage))
    throw MeterError(Errno("ping-pong send"));
  size_t got = 0;
  for (int reads = 0; got < kMessage && reads < static_cast<int>(kMessage); ++reads) {
    const ssize_t n = recv(to, buf + got, kMessage - got, 0);
    if (n <= 0) throw MeterError(n == 0 ? "ping-pong peer closed" : Errno("ping-pong recv"));
    got += static_cast<size_t>(n);
  }
  if (got < kMessage) throw MeterError("ping-pong message cut short");
}

}  // namespace

PingPong::PingPong(const test::Netns& server_ns, const test::Netns& client_ns,
                   const std::string& addr, uint16_t port) {
  const sockaddr_in a = Address(addr, port);
  UniqueFd listener;
  server_ns.RunIn([&] {
    listener.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int one = 1;
    if (!listener || setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(listener.get(), reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0 ||
        listen(listener.get(), 1) != 0)
      throw MeterError(Errno("ping-pong listen on " + addr));
    SetTimeouts(listener.get());  // accept() honours SO_RCVTIMEO
  });
  client_ns.RunIn([&] {
    client_.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!client_) throw MeterError(Errno("ping-pong socket"));
    SetTimeouts(client_.get());  // connect() honours SO_SNDTIMEO
    if (connect(client_.get(), reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0)
      throw MeterError(Errno("ping-pong connect to " + addr));
  });
  server_.reset(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!server_) throw MeterError(Errno("ping-pong accept"));
  SetTimeouts(server_.get());
}

PingPongResult PingPong::Run(uint64_t round_trips, double max_seconds) {
  char buf[kMessage] = {};
  PingPongResult r;
  const double t0 = Now(), cpu0 = ThreadCpuNs(), deadline = t0 + max_seconds;
  for (; r.round_trips < round_trips; ++r.round_trips) {
    if ((r.round_trips & 255) == 0 && Now() >= deadline) break;
    Exchange(client_.get(), server_.get(), buf);
    Exchange(server_.get(), client_.get(), buf);
  }
  r.cpu_ns = ThreadCpuNs() - cpu0;
  r.seconds = Now() - t0;
  if (r.round_trips == 0) throw MeterError("no ping-pong round trip completed");
  return r;
}

}  // namespace se::bench
