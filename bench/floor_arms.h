// The three arms of the kernel-cost benchmarks: nothing attached, the empty programs on the
// exporter's hooks (the floor: what dispatching to any program costs), the exporter's programs.
// Errors throw MeterError.
#ifndef SE_BENCH_FLOOR_ARMS_H_
#define SE_BENCH_FLOOR_ARMS_H_

#include <array>
#include <vector>

#include "probes/tcp_events_probe.h"
#include "snapshot/kernel_snapshot.h"

struct empty_hooks;
struct bpf_link;
struct bpf_program;

namespace se::bench {

enum FloorArm { kArmDetached, kArmEmpty, kArmExporter, kFloorArms };

const char* FloorArmName(int arm);  // "detached", "empty", "exporter"

// Order of the arms in a round: rotates every round, reversed in rounds 3-5 of each 6, so each
// arm takes each position equally often and follows each other arm equally often (6 rounds).
std::array<int, kFloorArms> FloorOrder(int round);
// "DEX", "EXD", ... for the order of a round.
std::array<char, kFloorArms + 1> FloorOrderName(int round);

// The empty programs of empty_hooks on the hooks of tcp_events: the seven tp_btf tracepoints,
// and with the cgroup SYN hook cgroup_skb ingress on the cgroup v2 root (the TC form's
// tc_empty goes on a namespace's interfaces, which its caller attaches).
std::vector<bpf_program*> FloorPrograms(empty_hooks* skel, SynHook hook);
// Throws unless every program attached in `exporter` (a TcpEventsProbe's Snapshot().programs)
// has an empty twin on the same hook: an exporter hook the floor lacks would make "the floor
// is the same hooks" untrue.
void CheckFloorCovers(const std::vector<ProgramStats>& exporter);
// Prints runs per unit (connection, datagram) and ns per run of each program that ran.
void PrintProgramStats(const char* arm, const std::vector<ProgramStats>& programs, double units,
                       const char* unit);

// The empty programs of FloorPrograms(SynHook::kCgroup): exactly the hooks tcp_events uses with
// the cgroup SYN hook.
class EmptyPrograms {
 public:
  EmptyPrograms();
  ~EmptyPrograms();
  EmptyPrograms(const EmptyPrograms&) = delete;
  EmptyPrograms& operator=(const EmptyPrograms&) = delete;

  void Attach();  // all or nothing
  void Detach();
  // Runs and run time of each program so far (counted only while kernel.bpf_stats_enabled=1).
  std::vector<ProgramStats> Stats() const;

 private:
  empty_hooks* skel_ = nullptr;
  std::vector<bpf_link*> links_;
};

}  // namespace se::bench

#endif  // SE_BENCH_FLOOR_ARMS_H_
