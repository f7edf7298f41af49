#include "floor_arms.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "bench_meters.h"
#include "empty_hooks.skel.h"
#include "probes/libbpf_log.h"
#include "probes/tcp_events_probe.h"

namespace se::bench {

const char* FloorArmName(int arm) {
  static const char* const kNames[kFloorArms] = {"detached", "empty", "exporter"};
  return kNames[arm];
}

std::array<int, kFloorArms> FloorOrder(int round) {
  const int shift = round % kFloorArms;
  const bool reverse = (round / kFloorArms) % 2 == 1;
  std::array<int, kFloorArms> order{};
  for (int i = 0; i < kFloorArms; ++i) {
    const int pos = reverse ? kFloorArms - 1 - i : i;
    order[pos] = (i + shift) % kFloorArms;
  }
  return order;
}

std::array<char, kFloorArms + 1> FloorOrderName(int round) {
  static const char kLetter[kFloorArms] = {'D', 'E', 'X'};
  std::array<char, kFloorArms + 1> name{};
  const auto order = FloorOrder(round);
  for (int i = 0; i < kFloorArms; ++i) name[i] = kLetter[order[i]];
  return name;
}

EmptyPrograms::EmptyPrograms() {
  RouteLibbpfLog();
  skel_ = empty_hooks::open_and_load();
  if (!skel_) throw MeterError(std::string("load empty_hooks: ") + std::strerror(errno));
}

EmptyPrograms::~EmptyPrograms() {
  Detach();
  empty_hooks::destroy(skel_);
}

void EmptyPrograms::Attach() {
  Detach();
  bpf_program* const programs[] = {skel_->progs.set_state_empty, skel_->progs.send_reset_empty,
                                   skel_->progs.receive_reset_empty,
                                   skel_->progs.retransmit_synack_empty, skel_->progs.cgroup_empty};
  const AttachFn attach = DefaultAttach();  // cgroup_skb goes to the cgroup v2 root, as the real
  for (bpf_program* prog : programs) {
    bpf_link* link = attach(prog, bpf_program__name(prog));
    if (!link) {
      const std::string why = std::strerror(errno);
      Detach();
      throw MeterError(std::string("attach ") + bpf_program__name(prog) + ": " + why);
    }
    links_.push_back(link);
  }
}

std::vector<ProgramStats> EmptyPrograms::Stats() const {
  std::vector<ProgramStats> out;
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel_->obj) {
    ProgramStats s;
    s.probe = bpf_program__name(prog);
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0) {
      s.run_count = info.run_cnt;
      s.run_time_ns = info.run_time_ns;
    }
    out.push_back(s);
  }
  return out;
}

void EmptyPrograms::Detach() {
  for (bpf_link* link : links_) bpf_link__destroy(link);
  links_.clear();
}

}  // namespace se::bench
