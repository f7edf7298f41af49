#include "datapath_arms.h"

#include <bpf/libbpf.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "bench_meters.h"
#include "empty_hooks.skel.h"
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

// The four empty tracepoint programs, then the empty packet program on its hook.
void DatapathArms::AttachEmpty(bool tc) {
  for (bpf_program* prog :
       {empty_->progs.set_state_empty, empty_->progs.send_reset_empty,
        empty_->progs.receive_reset_empty, empty_->progs.retransmit_synack_empty}) {
    bpf_link* link = bpf_program__attach(prog);
    if (!link) throw MeterError(Errno(std::string("attach ") + bpf_program__name(prog)));
    links_.push_back(link);
  }
  if (tc) {
    std::string failed;
    if (!tc_empty_.Attach(bpf_program__fd(empty_->progs.tc_empty), netns_.get(), &failed))
      throw MeterError(Errno("attach tc_empty (" + failed + ")"));
    tc_interfaces_ = tc_empty_.Interfaces();
    return;
  }
  const std::string root = Cgroup2Mount();
  if (root.empty()) throw MeterError("no cgroup v2 mount in /proc/self/mounts");
  UniqueFd fd(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw MeterError(Errno("open " + root));
  bpf_link* link = bpf_program__attach_cgroup(empty_->progs.cgroup_empty, fd.get());
  if (!link) throw MeterError(Errno("attach cgroup_empty to " + root));
  links_.push_back(link);
}

// Every program of the probe, strictly: an arm missing one would not be the exporter.
void DatapathArms::AttachExporter(TcpEventsProbe* probe, const char* arm) {
  std::string error;
  if (!probe->Attach(true, DefaultAttach(), &error))
    throw MeterError(std::string("attach ") + arm + ": " + error);
  for (const ProgramStats& p : probe->Snapshot().programs)
    if (!p.attached) throw MeterError(std::string(arm) + ": " + p.probe + " did not attach");
}

void DatapathArms::Detach() {
  cgroup_->Detach();
  tc_->Detach();
  tc_empty_.Detach();
  for (bpf_link* link : links_) bpf_link__destroy(link);
  links_.clear();
}

}  // namespace se::bench
