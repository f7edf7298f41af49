#include "hook_arms.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "bench_meters.h"
#include "empty_hooks.skel.h"
#include "probes/libbpf_log.h"

namespace se::bench {
namespace {

const char* const kNames[kArmCount] = {"detached", "cgroup-empty", "cgroup", "tc-empty", "tc"};

// The probe's own SYN program for its hook; nullptr for every other program, which the probe
// then logs (below the benchmark's log level) and leaves detached.
AttachFn SynProgramOnly() {
  return [](bpf_program* prog, const std::string& probe) -> bpf_link* {
    if (probe == "syn_ingress") return DefaultAttach()(prog, probe);
    errno = ECANCELED;
    return nullptr;
  };
}

std::unique_ptr<TcpEventsProbe> OpenProbe(SynHook hook, uint32_t netns_ino, int netns_fd,
                                          uint16_t port) {
  TcpEventsConfig config;
  config.netns_ino = netns_ino;
  config.syn_hook = hook;
  config.syn_netns_fd = netns_fd;
  config.max_slots = 2;  // "other" and the flood's port
  std::string error;
  auto probe = TcpEventsProbe::Open(config, &error);
  if (!probe) throw MeterError(error);
  probe->TrackPort(port, true);  // as the exporter does for a listener it finds at start
  return probe;
}

const ProgramStats* FindProgram(const std::vector<ProgramStats>& programs, const char* name) {
  for (const auto& p : programs)
    if (p.probe == name) return &p;
  return nullptr;
}

ArmReading ReadProbe(const TcpEventsProbe& probe, const char* program) {
  const KernelSnapshot snap = probe.Snapshot();
  ArmReading r;
  if (const ProgramStats* p = FindProgram(snap.programs, program)) {
    r.runs = p->run_count;
    r.run_ns = p->run_time_ns;
  }
  for (const auto& c : snap.counters) r.syns += c.counters.syns_received;
  return r;
}

}  // namespace

const char* ArmName(int arm) { return kNames[arm]; }
bool IsCgroupArm(int arm) { return arm == kCgroupEmpty || arm == kCgroup; }

HookArms::HookArms(uint32_t netns_ino, int netns_fd, uint16_t port)
    : netns_(fcntl(netns_fd, F_DUPFD_CLOEXEC, 0)) {
  if (!netns_) throw MeterError(std::string("dup netns fd: ") + std::strerror(errno));
  cgroup_ = OpenProbe(SynHook::kCgroup, netns_ino, -1, port);
  tc_ = OpenProbe(SynHook::kTc, netns_ino, netns_.get(), port);
  RouteLibbpfLog();
  empty_ = empty_hooks::open_and_load();
  if (!empty_) throw MeterError(std::string("load empty_hooks: ") + std::strerror(errno));
}

HookArms::~HookArms() {
  Detach();
  empty_hooks::destroy(empty_);
}

void HookArms::Attach(int arm) {
  Detach();
  std::string error;
  switch (arm) {
    case kDetached:
      return;
    case kCgroupEmpty:
      cgroup_empty_link_ = DefaultAttach()(empty_->progs.cgroup_empty, "cgroup_empty");
      if (!cgroup_empty_link_) error = std::strerror(errno);
      break;
    case kCgroup:
      cgroup_->Attach(false, SynProgramOnly(), &error);
      if (!FindProgram(cgroup_->Snapshot().programs, "syn_ingress")->attached)
        error = "syn_ingress did not attach";
      break;
    case kTcEmpty:
      if (!tc_empty_.Attach(bpf_program__fd(empty_->progs.tc_empty), netns_.get(), &error))
        error += std::string(error.empty() ? "" : "; ") + std::strerror(errno);
      else
        tc_interfaces_ = tc_empty_.Interfaces();
      break;
    case kTc:
      tc_->Attach(false, SynProgramOnly(), &error);
      if (!tc_->AnyAttached()) error = "syn_tc_ingress did not attach";
      break;
  }
  if (!error.empty()) throw MeterError(std::string("attach ") + ArmName(arm) + ": " + error);
}

void HookArms::Detach() {
  cgroup_->Detach();
  tc_->Detach();
  tc_empty_.Detach();
  bpf_link__destroy(cgroup_empty_link_);
  cgroup_empty_link_ = nullptr;
}

int HookArms::ProgramFd(int arm) const {
  return bpf_program__fd(arm == kCgroupEmpty ? empty_->progs.cgroup_empty : empty_->progs.tc_empty);
}

ArmReading HookArms::Read(int arm) const {
  if (arm == kCgroup) return ReadProbe(*cgroup_, "syn_ingress");
  if (arm == kTc) return ReadProbe(*tc_, "syn_tc_ingress");
  ArmReading r;
  if (arm == kDetached) return r;
  bpf_prog_info info{};
  __u32 len = sizeof(info);
  if (bpf_obj_get_info_by_fd(ProgramFd(arm), &info, &len) != 0)
    throw MeterError(std::string("bpf_obj_get_info_by_fd: ") + std::strerror(errno));
  r.runs = info.run_cnt;
  r.run_ns = info.run_time_ns;
  return r;
}

}  // namespace se::bench
