// Bulk traffic for datapath_bench: one established TCP connection streaming a fixed number of
// bytes from a client namespace to a server namespace. One thread drives both ends with
// non-blocking calls (write what the socket takes, then read what has arrived): over veth a
// segment is delivered in the sender's own softirq, so the thread's CPU time covers sender and
// receiver and no scheduler wake-up enters the figure. Errors throw MeterError.
#ifndef SE_BENCH_BULK_H_
#define SE_BENCH_BULK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "harness/netns.h"
#include "net/unique_fd.h"

namespace se::bench {

struct BulkResult {
  uint64_t bytes = 0;  // received by the server end
  double seconds = 0;  // wall time
  double cpu_ns = 0;   // CPU time of the driving thread
  double MegabytesPerSecond() const { return bytes / 1e6 / seconds; }
  double CpuNsPerMib() const { return cpu_ns / (bytes / 1048576.0); }
};

class Bulk {
 public:
  static constexpr size_t kWriteBytes = 64 * 1024;

  // Listens on addr:port in server_ns, connects from client_ns, accepts.
  Bulk(const test::Netns& server_ns, const test::Netns& client_ns, const std::string& addr,
       uint16_t port);

  // Streams up to bytes in kWriteBytes writes, fewer if max_seconds pass first; what is still
  // in flight then is drained, untimed, so the next run starts from an empty connection.
  BulkResult Run(uint64_t bytes, double max_seconds);

 private:
  bool SendSome(uint64_t* sent, uint64_t total);
  bool ReceiveSome(uint64_t* received);
  void Wait(bool want_send);
  void Drain(uint64_t* received, uint64_t sent);

  UniqueFd client_, server_;
  std::vector<char> out_, in_;
};

}  // namespace se::bench

#endif  // SE_BENCH_BULK_H_
