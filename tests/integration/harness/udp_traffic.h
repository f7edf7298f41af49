// UDP traffic for tests: datagrams, an echo server, datagrams with a wrong checksum. Functions
// that create sockets must run inside the target namespace (Netns::RunIn).
#ifndef SE_TEST_HARNESS_UDP_TRAFFIC_H_
#define SE_TEST_HARNESS_UDP_TRAFFIC_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <utility>

#include "harness/netns.h"
#include "harness/traffic.h"

namespace se::test {

// Sends count datagrams of size bytes from fd to peer (or to its connected peer if peer.port
// is 0); returns how many the kernel accepted.
int SendDatagrams(int fd, const Endpoint& peer, int count, size_t size);
// Receives datagrams until count arrived or nothing came for timeout; returns how many.
int ReceiveDatagrams(int fd, int count, std::chrono::milliseconds timeout = kIoTimeout);
// SO_RCVBUF; the kernel doubles the value and enforces a minimum.
void SetReceiveBuffer(int fd, int bytes);
// From a raw socket of the calling thread's namespace: count UDP datagrams of 4 payload bytes
// with a wrong checksum to `to`, from source port sport.
void SendBadChecksums(const Endpoint& to, uint16_t sport, int count);

// The memory of the UDP socket bound to port in ns as `ss -uanm` shows it: {r (the receive
// queue), rb (its limit)}. Throws if ss lists no such socket.
std::pair<uint64_t, uint64_t> SsUdpQueue(const Netns& ns, uint16_t port);

// Echoes `count` datagrams received on fd back to their senders, on its own thread.
class UdpEcho {
 public:
  UdpEcho(int fd, int count);
  ~UdpEcho();
  UdpEcho(const UdpEcho&) = delete;
  UdpEcho& operator=(const UdpEcho&) = delete;
  int Join();  // datagrams echoed

 private:
  int echoed_ = 0;
  std::thread worker_;
};

}  // namespace se::test

#endif  // SE_TEST_HARNESS_UDP_TRAFFIC_H_
