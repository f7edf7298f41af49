// Meters of the SYN flood benchmark. Errors throw MeterError with one line.
#ifndef SE_BENCH_BENCH_METERS_H_
#define SE_BENCH_BENCH_METERS_H_

#include <sched.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace se::bench {

struct MeterError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Value of field in the "<proto>:" lines of the text of /proc/net/snmp (a header line, then a
// value line), e.g. ("Udp", "InDatagrams").
uint64_t ParseSnmpField(const std::string& snmp, const std::string& proto,
                        const std::string& field);
// The whole text of an open snmp file (read from the start).
std::string ReadSnmp(int snmp_fd);
// Value of "Tcp: InSegs" in the text of /proc/net/snmp.
uint64_t ParseTcpInSegs(const std::string& snmp);
// The same from an open snmp file (read from the start).
uint64_t ReadTcpInSegs(int snmp_fd);

// Idle time of the CPUs this process may use, in ns: from cpuidle's residency counters (1 µs)
// where the machine has cpuidle, else from /proc/stat (idle + iowait, in clock ticks: 10 ms on
// most kernels). A CPU adds an idle period only when it leaves it, so each CPU is read while
// this thread runs on it, which ends its idle period first.
class IdleMeter {
 public:
  IdleMeter();
  int cpus() const { return static_cast<int>(cpus_.size()); }
  uint64_t IdleNs();
  // "cpuidle residency (1 us)" or "/proc/stat idle+iowait (10 ms)".
  std::string Source() const;

 private:
  uint64_t ProcStatIdleNs(int cpu) const;

  cpu_set_t mask_;
  bool cpuidle_ = true;
  std::vector<std::pair<int, std::vector<std::string>>> cpus_;
};

// One line naming the machine a figure was measured on: kernel, CPUs, CPU pressure now.
std::string MachineLine();

// BPF links to cgroup inet ingress anywhere on the machine. Another exporter attached meanwhile
// would put the A arm on the cgroup BPF path too, so slices that see a foreign one are discarded.
int CgroupIngressLinks();
// The same for cgroup inet egress (no exporter program: one would put any arm on that path).
int CgroupEgressLinks();

double Now();          // steady clock, seconds
double ThreadCpuNs();  // this thread's CPU time, ns

}  // namespace se::bench

#endif  // SE_BENCH_BENCH_METERS_H_
