#include "parsers/sock_diag_parse.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "net/ip_address.h"

namespace se {
namespace {

ParseStatus Fail(const std::string& error) {
  ParseStatus s;
  s.ok = false;
  s.error = error;
  return s;
}

// Takes the negated status widened to 64 bits: negating an int32 of INT32_MIN overflows.
std::string ErrnoText(int64_t err) {
  return err > 0 && err <= INT32_MAX ? std::strerror(static_cast<int>(err)) : "unknown error";
}

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

// SK_MEMINFO_* fields from the attributes after an inet_diag_msg into *r; zeros if absent.
void ReadMeminfo(const uint8_t* attrs, size_t len, SocketRecord* r) {
  size_t off = 0;
  while (len - off >= sizeof(rtattr)) {
    rtattr a;
    std::memcpy(&a, attrs + off, sizeof(a));
    if (a.rta_len < sizeof(a) || a.rta_len > len - off) return;
    const size_t data_len = a.rta_len - RTA_LENGTH(0);
    if (a.rta_type == INET_DIAG_SKMEMINFO &&
        data_len >= (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t)) {
      const uint8_t* info = attrs + off + RTA_LENGTH(0);
      auto field = [&](int i, uint32_t* out) {
        std::memcpy(out, info + i * sizeof(uint32_t), sizeof(uint32_t));
      };
      field(SK_MEMINFO_DROPS, &r->drops);
      field(SK_MEMINFO_RMEM_ALLOC, &r->rmem);
      field(SK_MEMINFO_RCVBUF, &r->rcvbuf);
      return;
    }
    off += RTA_ALIGN(a.rta_len);
    if (off >= len) break;
  }
}

// Interprets one complete message (header already bounds-checked).
ParseStatus ParseMessage(const nlmsghdr& h, const uint8_t* payload, size_t payload_len,
                         Protocol proto, std::vector<SocketRecord>* out) {
  ParseStatus s;
  if (h.nlmsg_type == NLMSG_DONE) {
    // The DONE payload carries the dump's final status (the kernel's dump_done_errno).
    int32_t status = 0;
    if (payload_len >= sizeof(status)) std::memcpy(&status, payload, sizeof(status));
    if (status < 0) return Fail("sock_diag dump failed: " + ErrnoText(-int64_t{status}));
    s.done = true;
    return s;
  }
  if (h.nlmsg_type == NLMSG_ERROR) {
    int32_t err = 0;
    if (payload_len < sizeof(err)) return Fail("sock_diag: truncated NLMSG_ERROR message");
    std::memcpy(&err, payload, sizeof(err));
    if (err == 0) return s;  // an acknowledgement, not an error
    return Fail("sock_diag dump failed: " + ErrnoText(-int64_t{err}));
  }
  if (h.nlmsg_type == NLMSG_OVERRUN) return Fail("sock_diag: netlink overrun, data lost");
  if (h.nlmsg_type != SOCK_DIAG_BY_FAMILY) return s;  // NLMSG_NOOP and unknown types
  inet_diag_msg m;
  if (payload_len < sizeof(m)) return Fail("sock_diag: truncated inet_diag message");
  std::memcpy(&m, payload, sizeof(m));
  SocketRecord r = ToRecord(m, proto);
  ReadMeminfo(payload + NLMSG_ALIGN(sizeof(m)),
              payload_len > NLMSG_ALIGN(sizeof(m)) ? payload_len - NLMSG_ALIGN(sizeof(m)) : 0,
              &r);
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
  IpAddress a;
  a.family = family;
  a.bytes = addr;
  return a.ToString();
}

}  // namespace se
