// Ordinary traffic for syn_hook_bench: a 64-byte request/response ping-pong on an established
// TCP connection whose ends may live in two network namespaces. One thread drives both ends in
// lockstep (client write, server read, server write, client read): over veth and lo a segment
// is delivered in the sender's own softirq, so the thread's CPU time covers both receive paths
// and no scheduler wake-up latency enters the figure. Errors throw MeterError.
#ifndef SE_BENCH_PINGPONG_H_
#define SE_BENCH_PINGPONG_H_

#include <cstdint>
#include <string>

#include "harness/netns.h"
#include "net/unique_fd.h"

namespace se::bench {

struct PingPongResult {
  uint64_t round_trips = 0;
  double seconds = 0;  // wall time
  double cpu_ns = 0;   // CPU time of the driving thread
  double Rate() const { return round_trips / seconds; }
  double CpuPerRoundTrip() const { return cpu_ns / round_trips; }
};

class PingPong {
 public:
  // Listens on addr:port in server_ns, connects from client_ns (the same one for lo), accepts.
  PingPong(const test::Netns& server_ns, const test::Netns& client_ns, const std::string& addr,
           uint16_t port);

  // Up to round_trips round trips, fewer if max_seconds pass first.
  PingPongResult Run(uint64_t round_trips, double max_seconds);

 private:
  UniqueFd client_, server_;
};

}  // namespace se::bench

#endif  // SE_BENCH_PINGPONG_H_
