#include "bulk.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "bench_meters.h"
#include "tcp_pair.h"

namespace se::bench {
namespace {

constexpr int kPollMs = 100;         // one wait when neither end can move
constexpr int kReadsPerTurn = 64;    // bounds one turn of reading
constexpr double kDrainSeconds = 5;  // bounds the untimed drain after a cut-short run

bool WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR; }

}  // namespace

Bulk::Bulk(const test::Netns& server_ns, const test::Netns& client_ns, const std::string& addr,
           uint16_t port)
    : out_(kWriteBytes, 'x'), in_(kWriteBytes) {
  TcpPair pair = ConnectAcross(server_ns, client_ns, addr, port, "bulk");
  client_ = std::move(pair.client);
  server_ = std::move(pair.server);
}

// One write of up to kWriteBytes; false if the socket took nothing.
bool Bulk::SendSome(uint64_t* sent, uint64_t total) {
  if (*sent >= total) return false;
  const size_t len = static_cast<size_t>(std::min<uint64_t>(kWriteBytes, total - *sent));
  const ssize_t n = send(client_.get(), out_.data(), len, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n > 0) *sent += static_cast<uint64_t>(n);
  if (n < 0 && !WouldBlock()) throw MeterError(Errno("bulk send"));
  return n > 0;
}

// Reads what has arrived (a bounded number of reads); false if nothing had.
bool Bulk::ReceiveSome(uint64_t* received) {
  bool any = false;
  for (int i = 0; i < kReadsPerTurn; ++i) {
    const ssize_t n = recv(server_.get(), in_.data(), in_.size(), MSG_DONTWAIT);
    if (n == 0) throw MeterError("bulk peer closed");
    if (n < 0) {
      if (WouldBlock()) break;
      throw MeterError(Errno("bulk recv"));
    }
    *received += static_cast<uint64_t>(n);
    any = true;
  }
  return any;
}

void Bulk::Wait(bool want_send) {
  pollfd fds[2] = {{server_.get(), POLLIN, 0}, {client_.get(), POLLOUT, 0}};
  if (poll(fds, want_send ? 2 : 1, kPollMs) < 0 && errno != EINTR)
    throw MeterError(Errno("bulk poll"));
}

void Bulk::Drain(uint64_t* received, uint64_t sent) {
  const double deadline = Now() + kDrainSeconds;
  while (*received < sent && Now() < deadline)
    if (!ReceiveSome(received)) Wait(false);
  if (*received < sent) throw MeterError("bulk: data still in flight after the drain");
}

BulkResult Bulk::Run(uint64_t bytes, double max_seconds) {
  BulkResult r;
  uint64_t sent = 0;
  const double t0 = Now(), cpu0 = ThreadCpuNs(), deadline = t0 + max_seconds;
  while (r.bytes < bytes && Now() < deadline) {
    const bool wrote = SendSome(&sent, bytes);
    const bool read = ReceiveSome(&r.bytes);
    if (!wrote && !read) Wait(sent < bytes);
  }
  r.cpu_ns = ThreadCpuNs() - cpu0;
  r.seconds = Now() - t0;
  uint64_t drained = r.bytes;
  Drain(&drained, sent);
  if (r.bytes == 0) throw MeterError("bulk: no byte arrived");
  return r;
}

}  // namespace se::bench
