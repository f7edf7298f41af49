#include "datapath_arms.h"

#include <bpf/libbpf.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "bench_meters.h"
#include "empty_hooks.skel.h"
#include "floor_arms.h"
#include "probes/libbpf_log.h"

namespace se::bench {
namespace {

const char* const kNames[kArmCount] = {"detached", "empty-cgroup", "exporter-cgroup", "empty-tc",
                                       "exporter-tc"};

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::unique_ptr<TcpEventsProbe> OpenProbe(SynHook hook, uint32_t netns_ino, int netns_fd,
                                          const std::vector<uint16_t>& ports) {
  TcpEventsConfig config;
  config.netns_ino = netns_ino;
  config.syn_hook = hook;
  config.syn_netns_fd = netns_fd;
  config.max_slots = static_cast<uint32_t>(ports.size() + 1);  // + "other"
  std::string error;
  auto probe = TcpEventsProbe::Open(config, &error);
  if (!probe) throw MeterError(error);
  for (uint16_t port : ports) probe->TrackPort(port, true);  // as for listeners found at start
  return probe;
}

}  // namespace

const char* DatapathArmName(int arm) { return kNames[arm]; }
bool IsExporterArm(int arm) { return arm == kExporterCgroup || arm == kExporterTc; }

int MatchingEmptyArm(int arm) {
  if (arm == kExporterCgroup) return kEmptyCgroup;
  if (arm == kExporterTc) return kEmptyTc;
  return -1;
}

std::string Cgroup2Mount() {
  std::ifstream mounts("/proc/self/mounts");
  std::string device, path, type, rest;
  while (mounts >> device >> path >> type && std::getline(mounts, rest))
    if (type == "cgroup2") return path;
  return "";
}

DatapathArms::DatapathArms(uint32_t netns_ino, int netns_fd, const std::vector<uint16_t>& ports)
    : netns_(fcntl(netns_fd, F_DUPFD_CLOEXEC, 0)) {
  if (!netns_) throw MeterError(Errno("dup netns fd"));
  cgroup_ = OpenProbe(SynHook::kCgroup, netns_ino, -1, ports);
  tc_ = OpenProbe(SynHook::kTc, netns_ino, netns_.get(), ports);
  RouteLibbpfLog();
  empty_ = empty_hooks::open_and_load();
  if (!empty_) throw MeterError(Errno("load empty_hooks"));
}

DatapathArms::~DatapathArms() {
  Detach();
  empty_hooks::destroy(empty_);
}

void DatapathArms::Attach(int arm) {
  Detach();
  switch (arm) {
    case kEmptyCgroup:
      return AttachEmpty(false);
    case kExporterCgroup:
      return AttachExporter(cgroup_.get(), kNames[arm]);
    case kEmptyTc:
      return AttachEmpty(true);
    case kExporterTc:
      return AttachExporter(tc_.get(), kNames[arm]);
    default:
      return;
  }
}

// The empty programs on the hooks of the exporter's form: the tracepoints and cgroup_skb
// ingress on the cgroup v2 root (FloorPrograms), or the tracepoints and tc_empty on
// the namespace's interfaces.
void DatapathArms::AttachEmpty(bool tc) {
  const AttachFn attach = DefaultAttach();
  for (bpf_program* prog : FloorPrograms(empty_, tc ? SynHook::kTc : SynHook::kCgroup)) {
    bpf_link* link = attach(prog, bpf_program__name(prog));
    if (!link) throw MeterError(Errno(std::string("attach ") + bpf_program__name(prog)));
    links_.push_back(link);
  }
  if (!tc) return;
  std::string failed;
  if (!tc_empty_.Attach(bpf_program__fd(empty_->progs.tc_empty), netns_.get(), &failed))
    throw MeterError(Errno("attach tc_empty (" + failed + ")"));
  tc_interfaces_ = tc_empty_.Interfaces();
}

// Every program of the probe, strictly: an arm missing one would not be the exporter.
void DatapathArms::AttachExporter(TcpEventsProbe* probe, const char* arm) {
  std::string error;
  if (!probe->Attach(true, DefaultAttach(), &error))
    throw MeterError(std::string("attach ") + arm + ": " + error);
  const std::vector<ProgramStats> programs = probe->Snapshot().programs;
  for (const ProgramStats& p : programs)
    if (!p.attached) throw MeterError(std::string(arm) + ": " + p.probe + " did not attach");
  CheckFloorCovers(programs);
}

void DatapathArms::Detach() {
  cgroup_->Detach();
  tc_->Detach();
  tc_empty_.Detach();
  for (bpf_link* link : links_) bpf_link__destroy(link);
  links_.clear();
}

}  // namespace se::bench
