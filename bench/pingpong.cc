#include "pingpong.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "bench_meters.h"
#include "tcp_pair.h"

namespace se::bench {
namespace {

constexpr size_t kMessage = 64;

void SetNoDelay(int fd) {
  const int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
    throw MeterError(Errno("setsockopt TCP_NODELAY"));
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
  TcpPair pair = ConnectAcross(server_ns, client_ns, addr, port, "ping-pong");
  client_ = std::move(pair.client);
  server_ = std::move(pair.server);
  SetNoDelay(client_.get());
  SetNoDelay(server_.get());
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
