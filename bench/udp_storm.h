// The datagram storm of udp_storm_bench: a receiver socket on 127.0.0.1 and a sender socket
// connected to it, driven by one thread that sends a batch of datagrams and then reads every one
// of them back before it sends the next, so the receive queue never holds more than one batch
// and nothing is dropped for room. Loopback delivers each datagram in the sender's own softirq,
// so the thread's time covers both ends. Errors throw MeterError.
#ifndef SE_BENCH_UDP_STORM_H_
#define SE_BENCH_UDP_STORM_H_

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bench_meters.h"

namespace se::bench {

// The fields of the namespace's "Udp:" snmp line that tell whether every datagram arrived.
enum UdpField {
  kUdpInDatagrams,
  kUdpOutDatagrams,
  kUdpRcvbufErrors,
  kUdpInErrors,
  kUdpNoPorts,
  kUdpSndbufErrors,
  kUdpMemErrors,
  kUdpFields
};
using UdpCounts = std::array<uint64_t, kUdpFields>;
const char* UdpFieldName(int field);  // "InDatagrams", ...
UdpCounts ParseUdpCounts(const std::string& snmp);
UdpCounts Minus(const UdpCounts& a, const UdpCounts& b);
void Add(UdpCounts* sum, const UdpCounts& c);

// One storm and what the rest of the machine did meanwhile.
struct UdpStorm {
  double dps = 0;         // datagrams received per second of the storm's wall time
  double other_cpus = 0;  // machine busy minus this thread's CPU time, in CPUs
  uint64_t sent = 0, received = 0;
  UdpCounts kernel{};  // what the namespace's counters moved by during the storm
  bool foreign = false;  // a cgroup inet link not ours was attached around the storm
};

class UdpStormRig {
 public:
  // Sockets in the current namespace: the receiver bound to 127.0.0.1:port.
  UdpStormRig(uint16_t port, int payload, int batch);
  ~UdpStormRig();
  UdpStormRig(const UdpStormRig&) = delete;
  UdpStormRig& operator=(const UdpStormRig&) = delete;

  // n datagrams; `ours` is the cgroup inet ingress links of this process now (it has no egress
  // link: any is foreign).
  UdpStorm Run(IdleMeter* meter, int n, int ours);
  uint16_t port() const { return port_; }

 private:
  int SendBatch(int k);
  // Reads k datagrams; returns how many came before the receive timeout.
  int ReceiveBatch(int k);

  uint16_t port_;
  int batch_;
  int rx_ = -1, tx_ = -1, snmp_ = -1;
  std::vector<char> out_, in_;  // one payload to send; batch_ receive buffers
  std::vector<iovec> out_iov_, in_iov_;
  std::vector<mmsghdr> out_msgs_, in_msgs_;
};

}  // namespace se::bench

#endif  // SE_BENCH_UDP_STORM_H_
