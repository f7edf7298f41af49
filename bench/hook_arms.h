// The arms of syn_hook_bench: no SYN program, or an empty or the real SYN counter at the cgroup
// or the TC hook. Only the SYN program is attached in each arm: TcpEventsProbe's tracepoint
// programs stay detached, so they take no part in the comparison. Errors throw MeterError.
#ifndef SE_BENCH_HOOK_ARMS_H_
#define SE_BENCH_HOOK_ARMS_H_

#include <cstdint>
#include <memory>

#include "net/unique_fd.h"
#include "probes/tc_ingress.h"
#include "probes/tcp_events_probe.h"

struct empty_hooks;
struct bpf_link;

namespace se::bench {

enum Arm { kDetached, kCgroupEmpty, kCgroup, kTcEmpty, kTc, kArmCount };

const char* ArmName(int arm);
bool IsCgroupArm(int arm);

// What the kernel counted for an arm's program so far (runs and run time only while
// kernel.bpf_stats_enabled is on).
struct ArmReading {
  uint64_t runs = 0;
  uint64_t run_ns = 0;
  uint64_t syns = 0;  // syns_received of the arm's probe (real arms only)
  ArmReading operator-(const ArmReading& o) const {
    return {runs - o.runs, run_ns - o.run_ns, syns - o.syns};
  }
};

class HookArms {
 public:
  // Loads every program; the real ones are scoped to the namespace of inode netns_ino, TC arms
  // attach to every interface of the namespace netns_fd refers to, and port gets its own slot.
  HookArms(uint32_t netns_ino, int netns_fd, uint16_t port);
  ~HookArms();
  HookArms(const HookArms&) = delete;
  HookArms& operator=(const HookArms&) = delete;

  void Attach(int arm);  // detaches the previous arm first
  void Detach();
  ArmReading Read(int arm) const;
  // "lo,se0": where the TC arms attached (after a TC arm ran).
  const std::string& TcInterfaces() const { return tc_interfaces_; }

 private:
  int ProgramFd(int arm) const;

  UniqueFd netns_;
  std::unique_ptr<TcpEventsProbe> cgroup_, tc_;
  empty_hooks* empty_ = nullptr;
  bpf_link* cgroup_empty_link_ = nullptr;
  TcIngress tc_empty_;
  std::string tc_interfaces_;
};

}  // namespace se::bench

#endif  // SE_BENCH_HOOK_ARMS_H_
