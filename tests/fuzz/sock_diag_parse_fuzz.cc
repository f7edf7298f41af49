// Fuzzes the sock_diag dump parser with whole recv() buffers. ASan catches any read past the
// buffer (libFuzzer hands over an exactly sized heap copy). Beyond that: the protocol only
// labels the records, records are only appended, their count is bounded by the buffer, an
// IPv4 address leaves the rest of its 16 bytes zero, and a failure has a one-line error.

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "fuzz_check.h"
#include "parsers/sock_diag_parse.h"

namespace {

using se::SocketRecord;

bool SameExceptProtocol(const SocketRecord& a, const SocketRecord& b) {
  return a.family == b.family && a.state == b.state && a.local_addr == b.local_addr &&
         a.remote_addr == b.remote_addr && a.local_port == b.local_port &&
         a.remote_port == b.remote_port && a.rqueue == b.rqueue && a.wqueue == b.wqueue &&
         a.inode == b.inode && a.drops == b.drops;
}

bool TailIsZero(const std::array<uint8_t, 16>& addr) {
  for (size_t i = 4; i < addr.size(); ++i) {
    if (addr[i] != 0) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SocketRecord sentinel;
  sentinel.inode = 0x5e5e5e5e5e5eULL;
  std::vector<SocketRecord> tcp = {sentinel}, udp;
  const se::ParseStatus t = se::ParseInetDiagDump(data, size, se::Protocol::kTcp, &tcp);
  const se::ParseStatus u = se::ParseInetDiagDump(data, size, se::Protocol::kUdp, &udp);

  FUZZ_CHECK(t.ok == u.ok && t.done == u.done && t.error == u.error,
             "the protocol changed the outcome: " + t.error + " / " + u.error);
  FUZZ_CHECK(tcp.size() == udp.size() + 1, "the protocol changed the records");
  FUZZ_CHECK(tcp[0].inode == sentinel.inode, "records before the call were changed");
  if (t.ok) {
    FUZZ_CHECK(t.error.empty(), t.error);
  } else {
    FUZZ_CHECK(!t.done, "a failed dump reported as complete");
    FUZZ_CHECK(!t.error.empty() && se::fuzz::IsOneLine(t.error), t.error);
  }
  // Every record costs a netlink header and a whole inet_diag_msg.
  FUZZ_CHECK(udp.size() <= size / (NLMSG_HDRLEN + sizeof(inet_diag_msg)),
             std::to_string(udp.size()) + " records from " + std::to_string(size) + " bytes");
  for (size_t i = 0; i < udp.size(); ++i) {
    FUZZ_CHECK(udp[i].protocol == se::Protocol::kUdp && tcp[i + 1].protocol == se::Protocol::kTcp,
               "record labelled with the wrong protocol");
    FUZZ_CHECK(SameExceptProtocol(udp[i], tcp[i + 1]), "records differ by protocol");
    if (udp[i].family != AF_INET6) {
      FUZZ_CHECK(TailIsZero(udp[i].local_addr) && TailIsZero(udp[i].remote_addr),
                 "bytes past an IPv4 address");
    }
    (void)se::FormatAddress(udp[i].family, udp[i].local_addr);
  }
  return 0;
}
