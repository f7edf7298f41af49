#include "udp_storm.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bench_netns.h"

namespace se::bench {
namespace {

constexpr int kReceiveSlot = 2048;          // room per datagram read (payloads are smaller)
constexpr int kReceiveBuffer = 4 << 20;     // SO_RCVBUFFORCE: far more than one batch takes
constexpr timeval kReceiveTimeout = {1, 0};  // a datagram missing this long is lost

const char* const kFieldNames[kUdpFields] = {"InDatagrams",  "OutDatagrams", "RcvbufErrors",
                                             "InErrors",     "NoPorts",      "SndbufErrors",
                                             "MemErrors"};

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

void SetOption(int fd, int level, int name, const void* value, socklen_t len, const char* what) {
  if (setsockopt(fd, level, name, value, len) != 0) throw MeterError(Errno(what));
}

}  // namespace

const char* UdpFieldName(int field) { return kFieldNames[field]; }

UdpCounts ParseUdpCounts(const std::string& snmp) {
  UdpCounts c{};
  for (int f = 0; f < kUdpFields; ++f) c[f] = ParseSnmpField(snmp, "Udp", kFieldNames[f]);
  return c;
}

UdpCounts Minus(const UdpCounts& a, const UdpCounts& b) {
  UdpCounts d{};
  for (int f = 0; f < kUdpFields; ++f) d[f] = a[f] - b[f];
  return d;
}

void Add(UdpCounts* sum, const UdpCounts& c) {
  for (int f = 0; f < kUdpFields; ++f) (*sum)[f] += c[f];
}

UdpStormRig::UdpStormRig(uint16_t port, int payload, int batch)
    : port_(port), batch_(batch), out_(payload, 'x'), in_(static_cast<size_t>(batch) * kReceiveSlot),
      out_iov_(batch), in_iov_(batch), out_msgs_(batch), in_msgs_(batch) {
  rx_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  tx_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (rx_ < 0 || tx_ < 0) throw MeterError(Errno("socket"));
  SetOption(rx_, SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof(kReceiveBuffer),
            "SO_RCVBUFFORCE");
  SetOption(rx_, SOL_SOCKET, SO_RCVTIMEO, &kReceiveTimeout, sizeof(kReceiveTimeout),
            "SO_RCVTIMEO");
  const sockaddr_in a = Loopback(port);
  if (bind(rx_, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0)
    throw MeterError(Errno("bind 127.0.0.1:" + std::to_string(port)));
  if (connect(tx_, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0)
    throw MeterError(Errno("connect"));
  snmp_ = open("/proc/thread-self/net/snmp", O_RDONLY | O_CLOEXEC);
  if (snmp_ < 0) throw MeterError(Errno("open /proc/thread-self/net/snmp"));
  for (int i = 0; i < batch; ++i) {
    out_iov_[i] = {out_.data(), out_.size()};
    in_iov_[i] = {in_.data() + static_cast<size_t>(i) * kReceiveSlot, kReceiveSlot};
    out_msgs_[i].msg_hdr.msg_iov = &out_iov_[i];
    out_msgs_[i].msg_hdr.msg_iovlen = 1;
    in_msgs_[i].msg_hdr.msg_iov = &in_iov_[i];
    in_msgs_[i].msg_hdr.msg_iovlen = 1;
  }
}

UdpStormRig::~UdpStormRig() {
  for (int fd : {rx_, tx_, snmp_})
    if (fd >= 0) close(fd);
}

int UdpStormRig::SendBatch(int k) {
  if (batch_ == 1) {
    const ssize_t n = send(tx_, out_.data(), out_.size(), 0);
    if (n != static_cast<ssize_t>(out_.size())) throw MeterError(Errno("send"));
    return 1;
  }
  const int n = sendmmsg(tx_, out_msgs_.data(), k, 0);
  if (n <= 0) throw MeterError(Errno("sendmmsg"));
  return n;
}

int UdpStormRig::ReceiveBatch(int k) {
  for (int got = 0; got < k;) {
    const int n = batch_ == 1 ? (recv(rx_, in_.data(), kReceiveSlot, 0) >= 0 ? 1 : -1)
                              : recvmmsg(rx_, in_msgs_.data(), k - got, MSG_WAITFORONE, nullptr);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return got;  // the rest is lost
    if (n < 0) throw MeterError(Errno(batch_ == 1 ? "recv" : "recvmmsg"));
    got += n;
  }
  return k;
}

UdpStorm UdpStormRig::Run(IdleMeter* meter, int n, int ours) {
  UdpStorm s;
  s.foreign = CgroupIngressLinks() != ours || CgroupEgressLinks() != 0;
  const UdpCounts before = ParseUdpCounts(ReadSnmp(snmp_));
  const double idle0 = meter->IdleNs(), t0 = Now(), cpu0 = ThreadCpuNs();
  while (s.sent < static_cast<uint64_t>(n)) {
    const int sent = SendBatch(std::min<uint64_t>(batch_, n - s.sent));
    s.sent += sent;
    s.received += ReceiveBatch(sent);
  }
  const double cpu1 = ThreadCpuNs(), t1 = Now();
  const double idle1 = meter->IdleNs(), t2 = Now();
  s.kernel = Minus(ParseUdpCounts(ReadSnmp(snmp_)), before);
  s.foreign |= CgroupIngressLinks() != ours || CgroupEgressLinks() != 0;
  const double busy = meter->cpus() * (t2 - t0) * 1e9 - (idle1 - idle0);
  s.dps = s.received / (t1 - t0);
  s.other_cpus = (busy - (cpu1 - cpu0)) / ((t2 - t0) * 1e9);
  return s;
}

}  // namespace se::bench
