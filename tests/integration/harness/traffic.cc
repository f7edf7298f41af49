#include "harness/traffic.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "harness/netns.h"

namespace se::test {

socklen_t ToSockaddr(const Endpoint& ep, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof(*ss));
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  if (inet_pton(AF_INET, ep.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(ep.port);
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET6, ep.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(ep.port);
    return sizeof(sockaddr_in6);
  }
  throw std::runtime_error("not a numeric address: " + ep.host);
}

namespace {

using Clock = std::chrono::steady_clock;

std::string Describe(const Endpoint& ep) { return ep.host + " port " + std::to_string(ep.port); }

// Bounds blocking writes and reads so a misbehaving peer cannot hang a test.
void SetIoTimeouts(int fd) {
  timeval tv{};
  tv.tv_sec = kIoTimeout.count() / 1000;
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

UniqueFd BoundSocket(const Endpoint& ep, int type) {
  sockaddr_storage ss;
  const socklen_t len = ToSockaddr(ep, &ss);
  UniqueFd fd(socket(ss.ss_family, type | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0)
    throw std::runtime_error("bind " + Describe(ep) + ": " + std::strerror(errno));
  return fd;
}

// Starts a non-blocking connect; returns the socket, or an invalid fd with *error set.
UniqueFd StartConnect(const Endpoint& ep, const ConnectOptions& options, int* error) {
  sockaddr_storage ss;
  const socklen_t len = ToSockaddr(ep, &ss);
  UniqueFd fd(socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  *error = fd.valid() ? 0 : errno;
  if (!fd.valid()) return fd;
  if (options.syn_count > 0)
    setsockopt(fd.get(), IPPROTO_TCP, TCP_SYNCNT, &options.syn_count, sizeof(int));
  if (options.user_timeout_ms > 0)
    setsockopt(fd.get(), IPPROTO_TCP, TCP_USER_TIMEOUT, &options.user_timeout_ms, sizeof(int));
  if (!options.source.empty()) {
    sockaddr_storage local;
    const socklen_t local_len = ToSockaddr({options.source, 0}, &local);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&local), local_len) != 0) {
      *error = errno;
      return fd;
    }
  }
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS)
    *error = errno;
  return fd;
}

int SocketError(int fd) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

int MillisLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

}  // namespace

UniqueFd ListenTcp(const Endpoint& ep, int backlog) {
  UniqueFd fd = BoundSocket(ep, SOCK_STREAM);
  if (listen(fd.get(), backlog) != 0)
    throw std::runtime_error("listen " + Describe(ep) + ": " + std::strerror(errno));
  return fd;
}

UniqueFd BindUdp(const Endpoint& ep) { return BoundSocket(ep, SOCK_DGRAM); }

bool ConnectUdp(int fd, const Endpoint& peer) {
  sockaddr_storage ss;
  const socklen_t len = ToSockaddr(peer, &ss);
  return connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
}

uint16_t LocalPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

ConnectResult ConnectTcp(const Endpoint& ep, std::chrono::milliseconds timeout,
                         const ConnectOptions& options) {
  ConnectResult result;
  UniqueFd fd = StartConnect(ep, options, &result.error);
  if (!fd.valid() || result.error != 0) return result;
  pollfd p{fd.get(), POLLOUT, 0};
  const int ready = poll(&p, 1, static_cast<int>(timeout.count()));
  result.error = ready > 0 ? SocketError(fd.get()) : ETIMEDOUT;
  if (result.error != 0) return result;
  fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  SetIoTimeouts(fd.get());
  result.fd = std::move(fd);
  return result;
}

std::map<int, int> ConnectMany(const Endpoint& ep, int count, const ConnectOptions& options,
                               std::chrono::milliseconds timeout) {
  std::map<int, int> outcomes;
  std::vector<UniqueFd> pending;
  for (int i = 0; i < count; ++i) {
    int error = 0;
    UniqueFd fd = StartConnect(ep, options, &error);
    if (error != 0) {
      ++outcomes[error];
    } else {
      pending.push_back(std::move(fd));
    }
  }
  const auto deadline = Clock::now() + timeout;
  while (!pending.empty()) {
    std::vector<pollfd> polls;
    for (const auto& fd : pending) polls.push_back({fd.get(), POLLOUT, 0});
    if (poll(polls.data(), polls.size(), MillisLeft(deadline)) <= 0) break;
    std::vector<UniqueFd> still;
    for (size_t i = 0; i < polls.size(); ++i) {
      if (polls[i].revents == 0) {
        still.push_back(std::move(pending[i]));
      } else {
        ++outcomes[SocketError(pending[i].get())];
      }
    }
    pending = std::move(still);
  }
  if (!pending.empty()) outcomes[kStillConnecting] += static_cast<int>(pending.size());
  return outcomes;
}

std::vector<UniqueFd> OpenConnections(const Endpoint& ep, int count) {
  std::vector<UniqueFd> conns;
  for (int i = 0; i < count; ++i) {
    ConnectResult r = ConnectTcp(ep, kIoTimeout);
    if (!r.fd.valid())
      throw std::runtime_error("connect " + Describe(ep) + ": " + std::strerror(r.error));
    conns.push_back(std::move(r.fd));
  }
  return conns;
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool WriteBytes(int fd, size_t n) {
  const std::string chunk(std::min<size_t>(n, 65536), 'x');
  while (n > 0) {
    const size_t step = std::min(n, chunk.size());
    if (!WriteAll(fd, chunk.substr(0, step))) return false;
    n -= step;
  }
  return true;
}

size_t ReadUntilEof(int fd, std::chrono::milliseconds timeout, int* error) {
  const auto deadline = Clock::now() + timeout;
  char buf[16384];
  size_t total = 0;
  *error = 0;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, MillisLeft(deadline)) <= 0) {
      *error = ETIMEDOUT;
      return total;
    }
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) *error = errno;
    if (n <= 0) return total;
    total += static_cast<size_t>(n);
  }
}

void CloseWithReset(UniqueFd fd) {
  const linger lg{1, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  fd.reset();
}

TcpServer::TcpServer(int listener_fd, int connections, size_t response_bytes, CloseMode mode)
    : worker_([=] { Serve(listener_fd, connections, response_bytes, mode); }) {}

TcpServer::~TcpServer() {
  if (worker_.joinable()) worker_.join();
}

TcpServer::Stats TcpServer::Join() {
  if (worker_.joinable()) worker_.join();
  return stats_;
}

void TcpServer::Serve(int listener_fd, int connections, size_t response_bytes, CloseMode mode) {
  for (int i = 0; i < connections; ++i) {
    pollfd p{listener_fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(kIoTimeout.count())) <= 0) return;
    UniqueFd conn(accept4(listener_fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn.valid()) return;
    SetIoTimeouts(conn.get());
    int error = 0;
    stats_.bytes_received += ReadUntilEof(conn.get(), kIoTimeout, &error);
    if (response_bytes > 0) WriteBytes(conn.get(), response_bytes);
    if (mode == CloseMode::kReset) CloseWithReset(std::move(conn));
    ++stats_.served;
  }
}

ClientStats RunClients(const Endpoint& ep, int count, size_t request_bytes) {
  ClientStats stats;
  for (int i = 0; i < count; ++i) {
    ConnectResult r = ConnectTcp(ep, kIoTimeout);
    if (!r.fd.valid()) {
      ++stats.connect_errors[r.error];
      continue;
    }
    ++stats.connected;
    WriteBytes(r.fd.get(), request_bytes);
    shutdown(r.fd.get(), SHUT_WR);
    int error = 0;
    stats.bytes_received += ReadUntilEof(r.fd.get(), kIoTimeout, &error);
    if (error == ECONNRESET) ++stats.resets;
  }
  return stats;
}

SilentSubnet AddSilentSubnet(const Netns& ns) {
  // Both veth ends stay in ns; frames to a MAC nobody owns are dropped by the peer without reply.
  ns.Ip({"link", "add", "sesil0", "type", "veth", "peer", "name", "sesil1"});
  ns.Ip({"addr", "add", "10.200.0.1/24", "dev", "sesil0"});
  ns.Ip({"link", "set", "sesil0", "up"});
  ns.Ip({"link", "set", "sesil1", "up"});
  ns.Ip({"neigh", "add", "10.200.0.2", "lladdr", "02:00:00:00:00:02", "dev", "sesil0", "nud",
         "permanent"});
  // One ARP probe 100 ms apart: unanswered resolution turns into EHOSTUNREACH quickly.
  ns.Sysctl("net.ipv4.neigh.sesil0.mcast_solicit", "1");
  ns.Sysctl("net.ipv4.neigh.sesil0.ucast_solicit", "1");
  ns.Sysctl("net.ipv4.neigh.sesil0.app_solicit", "0");
  ns.Sysctl("net.ipv4.neigh.sesil0.retrans_time_ms", "100");
  return SilentSubnet{"10.200.0.2", "10.200.0.3"};
}

}  // namespace se::test
