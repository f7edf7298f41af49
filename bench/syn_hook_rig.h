// The set-up and one arm's measurement of syn_hook_bench: a server namespace (in scope) joined
// by veth to a client namespace, a third namespace out of scope, the flood's listener and
// sender, two ping-pongs and the arms' programs. Errors throw MeterError.
#ifndef SE_BENCH_SYN_HOOK_RIG_H_
#define SE_BENCH_SYN_HOOK_RIG_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "harness/netns.h"
#include "hook_arms.h"
#include "net/unique_fd.h"
#include "pingpong.h"
#include "syn_sender.h"

namespace se::bench {

struct SynSlice {
  uint64_t absorbed = 0;  // Tcp InSegs of the server namespace
  double seconds = 0, cpu_ns = 0;
  ArmReading prog;
};

struct PingSlice {
  PingPongResult pp;
  ArmReading prog;
};

// One arm in one round.
struct Sample {
  SynSlice syn;
  PingSlice in, out;  // ping-pong in scope (veth) and out of scope (lo of a third namespace)
  double idle_runs_per_s = 0;  // the arm's program run by the rest of the host meanwhile
  int foreign = 0;             // cgroup inet-ingress links not ours seen around the arm
};
using Round = std::array<Sample, kArmCount>;

// Each arm first idles this long, to see what the rest of the host makes its program run.
constexpr double kIdleSeconds = 0.05;

struct RigPlan {
  uint64_t syns = 20000;         // per flood slice
  uint64_t round_trips = 20000;  // per ping-pong slice
  uint16_t port = 8080;          // the flood's listener; the in-scope ping-pong uses port + 1
};

// Destroyed in reverse: programs first, namespaces last.
class Rig {
 public:
  explicit Rig(const RigPlan& plan);
  // Attaches the arm, idles a moment, floods, runs both ping-pongs, detaches.
  Sample RunArm(int arm);
  // Fills the SYN queue, resolves neighbours, ends TCP's quick-ack phase.
  void WarmUp();
  const std::string& TcInterfaces() const { return arms_->TcInterfaces(); }

 private:
  void OpenServerSide();
  void OpenSender();
  SynSlice Flood(int arm);
  PingSlice Ping(PingPong* pp, int arm);

  RigPlan plan_;
  test::Netns server_{"hb-srv"}, client_{"hb-cli"}, other_{"hb-out"};
  UniqueFd listener_, snmp_, server_fd_;
  std::unique_ptr<test::SynSender> sender_;
  std::unique_ptr<PingPong> in_scope_, out_of_scope_;
  std::unique_ptr<HookArms> arms_;
};

}  // namespace se::bench

#endif  // SE_BENCH_SYN_HOOK_RIG_H_
