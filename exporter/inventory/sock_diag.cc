#include "inventory/sock_diag.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace se {
namespace {

constexpr size_t kRecvBufferSize = 64 * 1024;  // larger than any dump skb the kernel builds
constexpr int kRecvTimeoutSeconds = 5;         // a scrape must not hang on a stuck dump

ParseStatus Fail(const std::string& error) {
  ParseStatus s;
  s.ok = false;
  s.error = error;
  return s;
}

std::string ErrnoText(int err) { return err > 0 ? std::strerror(err) : "unknown error"; }

SocketRecord ToRecord(const inet_diag_msg& m, Protocol proto) {
  SocketRecord r;
  r.protocol = proto;
  r.family = m.idiag_family;
  r.state = m.idiag_state;
  const size_t addr_len = m.idiag_family == AF_INET6 ? 16 : 4;
  std::memcpy(r.local_addr.data(), m.id.idiag_src, addr_len);
  std::memcpy(r.remote_addr.data(), m.id.idiag_dst, addr_len);
  r.local_port = ntohs(m.id.idiag_sport);
  r.remote_port = ntohs(m.id.idiag_dport);
  r.rqueue = m.idiag_rqueue;
  r.wqueue = m.idiag_wqueue;
  r.inode = m.idiag_inode;
  return r;
}

// SK_MEMINFO_DROPS from the attributes after an inet_diag_msg, 0 if absent.
uint32_t MeminfoDrops(const uint8_t* attrs, size_t len) {
  size_t off = 0;
  while (len - off >= sizeof(rtattr)) {
    rtattr a;
    std::memcpy(&a, attrs + off, sizeof(a));
    if (a.rta_len < sizeof(a) || a.rta_len > len - off) return 0;
    const size_t data_len = a.rta_len - RTA_LENGTH(0);
    if (a.rta_type == INET_DIAG_SKMEMINFO &&
        data_len >= (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t)) {
      uint32_t drops = 0;
      std::memcpy(&drops, attrs + off + RTA_LENGTH(0) + SK_MEMINFO_DROPS * sizeof(uint32_t),
                  sizeof(drops));
      return drops;
    }
    off += RTA_ALIGN(a.rta_len);
    if (off >= len) break;
  }
  return 0;
}

// Interprets one complete message (header already bounds-checked).
ParseStatus ParseMessage(const nlmsghdr& h, const uint8_t* payload, size_t payload_len,
                         Protocol proto, std::vector<SocketRecord>* out) {
  ParseStatus s;
  if (h.nlmsg_type == NLMSG_DONE) {
    // The DONE payload carries the dump's final status (the kernel's dump_done_errno).
    int32_t status = 0;
    if (payload_len >= sizeof(status)) std::memcpy(&status, payload, sizeof(status));
    if (status < 0) return Fail("sock_diag dump failed: " + ErrnoText(-status));
    s.done = true;
    return s;
  }
  if (h.nlmsg_type == NLMSG_ERROR) {
    int32_t err = 0;
    if (payload_len < sizeof(err)) return Fail("sock_diag: truncated NLMSG_ERROR message");
    std::memcpy(&err, payload, sizeof(err));
    if (err == 0) return s;  // an acknowledgement, not an error
    return Fail("sock_diag dump failed: " + ErrnoText(-err));
  }
  if (h.nlmsg_type == NLMSG_OVERRUN) return Fail("sock_diag: netlink overrun, data lost");
  if (h.nlmsg_type != SOCK_DIAG_BY_FAMILY) return s;  // NLMSG_NOOP and unknown types
  inet_diag_msg m;
  if (payload_len < sizeof(m)) return Fail("sock_diag: truncated inet_diag message");
  std::memcpy(&m, payload, sizeof(m));
  SocketRecord r = ToRecord(m, proto);
  r.drops =
      MeminfoDrops(payload + NLMSG_ALIGN(sizeof(m)),
                   payload_len > NLMSG_ALIGN(sizeof(m)) ? payload_len - NLMSG_ALIGN(sizeof(m)) : 0);
  out->push_back(r);
  return s;
}

}  // namespace

ParseStatus ParseInetDiagDump(const uint8_t* buf, size_t len, Protocol proto,
                              std::vector<SocketRecord>* out) {
  size_t off = 0;
  while (off < len) {
    const size_t left = len - off;
    nlmsghdr h;
    if (left < sizeof(h)) return Fail("sock_diag: truncated netlink header");
    std::memcpy(&h, buf + off, sizeof(h));
    if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > left)
      return Fail("sock_diag: truncated netlink message");
    ParseStatus s =
        ParseMessage(h, buf + off + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN, proto, out);
    if (!s.ok || s.done) return s;
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  return ParseStatus{};
}

std::string FormatAddress(uint8_t family, const std::array<uint8_t, 16>& addr) {
  if (family != AF_INET && family != AF_INET6) return "";
  char text[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(family, addr.data(), text, sizeof(text))) return "";
  return text;
}

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
  return std::unique_ptr<SockDiag>(new SockDiag(fd));
}

SockDiag::~SockDiag() { close(fd_); }

bool SockDiag::Dump(Protocol proto, int family, uint32_t state_mask, std::vector<SocketRecord>* out,
                    std::string* error) {
  std::vector<uint8_t> buf(kRecvBufferSize);
  // Discard what a previously abandoned dump left queued, so replies cannot mix.
  for (int i = 0; i < 1024 && recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT) > 0; ++i) {
  }
  if (!SendRequest(proto, family, state_mask, error)) return false;
  for (;;) {
    iovec iov{buf.data(), buf.size()};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    const ssize_t n = recvmsg(fd_, &mh, 0);
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
  msg.req.idiag_ext = 1U << (INET_DIAG_SKMEMINFO - 1);  // for listeners' drop counters
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd_, &msg, sizeof(msg), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    *error = "sock_diag request: " + ErrnoText(errno);
    return false;
  }
  return true;
}

}  // namespace se
