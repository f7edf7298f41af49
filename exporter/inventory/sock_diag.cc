#include "inventory/sock_diag.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace se {
namespace {

constexpr size_t kRecvBufferSize = 64 * 1024;  // larger than any dump skb the kernel builds
constexpr int kRecvTimeoutSeconds = 5;         // a scrape must not hang on a stuck dump

std::string ErrnoText(int err) { return err > 0 ? std::strerror(err) : "unknown error"; }

}  // namespace

std::unique_ptr<SockDiag> SockDiag::Open(int netns_fd, std::string* error) {
  int fd = -1;
  std::string failure;
  auto create = [&fd, &failure] {
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) failure = "socket(NETLINK_SOCK_DIAG): " + ErrnoText(errno);
  };
  if (netns_fd < 0) {
    create();
  } else {
    // setns() moves only the calling thread; a throwaway thread leaves ours untouched.
    std::thread t([&] {
      if (setns(netns_fd, CLONE_NEWNET) != 0) {
        failure = "setns(CLONE_NEWNET): " + ErrnoText(errno);
        return;
      }
      create();
    });
    t.join();
  }
  if (fd < 0) {
    *error = failure;
    return nullptr;
  }
  timeval tv{kRecvTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return std::unique_ptr<SockDiag>(new SockDiag(UniqueFd(fd)));
}

SockDiag::~SockDiag() = default;

bool SockDiag::Dump(Protocol proto, int family, uint32_t state_mask, std::vector<SocketRecord>* out,
                    std::string* error) {
  std::vector<uint8_t> buf(kRecvBufferSize);
  // Discard what a previously abandoned dump left queued, so replies cannot mix.
  for (int i = 0; i < 1024 && recv(fd_.get(), buf.data(), buf.size(), MSG_DONTWAIT) > 0; ++i) {
  }
  if (!SendRequest(proto, family, state_mask, error)) return false;
  for (;;) {
    iovec iov{buf.data(), buf.size()};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    const ssize_t n = recvmsg(fd_.get(), &mh, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || (mh.msg_flags & MSG_TRUNC)) {
      *error = n < 0    ? "sock_diag receive: " + ErrnoText(errno)
               : n == 0 ? "sock_diag receive: socket closed before the dump ended"
                        : "sock_diag receive: message larger than the receive buffer";
      return false;
    }
    ParseStatus s = ParseInetDiagDump(buf.data(), static_cast<size_t>(n), proto, out);
    if (!s.ok) {
      *error = s.error;
      return false;
    }
    if (s.done) return true;
  }
}

bool SockDiag::SendRequest(Protocol proto, int family, uint32_t state_mask, std::string* error) {
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof(msg);
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.nlh.nlmsg_seq = ++seq_;
  msg.req.sdiag_family = static_cast<uint8_t>(family);
  msg.req.sdiag_protocol = proto == Protocol::kTcp ? IPPROTO_TCP : IPPROTO_UDP;
  msg.req.idiag_states = state_mask;
  msg.req.idiag_ext = 1U << (INET_DIAG_SKMEMINFO - 1);  // drop counters, UDP queues
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd_.get(), &msg, sizeof(msg), 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof(kernel)) < 0) {
    *error = "sock_diag request: " + ErrnoText(errno);
    return false;
  }
  return true;
}

}  // namespace se
