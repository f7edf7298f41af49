#include "floor_arms.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "bench_meters.h"
#include "empty_hooks.skel.h"
#include "probes/libbpf_log.h"
#include "probes/tcp_events_probe.h"

namespace se::bench {
namespace {

enum class HookKind { kTracepoint, kCgroup, kTc };

// Each program of tcp_events and the empty program of empty_hooks on the same hook.
struct FloorHook {
  const char* exporter;
  const char* empty;
  HookKind kind;
};
constexpr FloorHook kFloorHooks[] = {
    {"inet_sock_set_state", "set_state_empty", HookKind::kTracepoint},
    {"tcp_send_reset", "send_reset_empty", HookKind::kTracepoint},
    {"tcp_receive_reset", "receive_reset_empty", HookKind::kTracepoint},
    {"tcp_retransmit_synack", "retransmit_synack_empty", HookKind::kTracepoint},
    {"tcp_retransmit_skb", "retransmit_skb_empty", HookKind::kTracepoint},
    {"skb_drop", "skb_drop_empty", HookKind::kTracepoint},
    {"udp_send", "send_length_empty", HookKind::kTracepoint},
    {"syn_ingress", "cgroup_empty", HookKind::kCgroup},
    {"syn_tc_ingress", "tc_empty", HookKind::kTc},
};

}  // namespace

std::vector<bpf_program*> FloorPrograms(empty_hooks* skel, SynHook hook) {
  std::vector<bpf_program*> out;
  for (const FloorHook& h : kFloorHooks) {
    if (h.kind == HookKind::kTc || (h.kind == HookKind::kCgroup && hook != SynHook::kCgroup))
      continue;
    bpf_program* prog = bpf_object__find_program_by_name(skel->obj, h.empty);
    if (!prog) throw MeterError(std::string("empty_hooks has no program ") + h.empty);
    out.push_back(prog);
  }
  return out;
}

void CheckFloorCovers(const std::vector<ProgramStats>& exporter) {
  for (const ProgramStats& p : exporter) {
    if (!p.attached) continue;
    bool twin = false;
    for (const FloorHook& h : kFloorHooks) twin |= p.probe == h.exporter;
    if (!twin)
      throw MeterError("the exporter's program " + p.probe +
                       " has no empty twin in bench/empty_hooks.bpf.c: the floor would miss its "
                       "hook (add one to kFloorHooks in bench/floor_arms.cc)");
  }
}

void PrintProgramStats(const char* arm, const std::vector<ProgramStats>& programs, double units,
                       const char* unit) {
  double total_runs = 0, total_ns = 0;
  std::printf("bpf stats of the %s arm (%.0f %ss; clock reads included):\n", arm, units, unit);
  for (const ProgramStats& s : programs) {
    if (!s.run_count) continue;
    std::printf("  %-24s %6.2f runs per %s  %7.1f ns per run  %7.1f ns per %s\n",
                s.probe.c_str(), s.run_count / units, unit,
                static_cast<double>(s.run_time_ns) / s.run_count, s.run_time_ns / units, unit);
    total_runs += s.run_count;
    total_ns += s.run_time_ns;
  }
  if (total_runs)
    std::printf("  %-24s %6.2f runs per %s  %7.1f ns per run  %7.1f ns per %s\n", "all",
                total_runs / units, unit, total_ns / total_runs, total_ns / units, unit);
}

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
  const AttachFn attach = DefaultAttach();  // cgroup_skb goes to the cgroup v2 root, as the real
  for (bpf_program* prog : FloorPrograms(skel_, SynHook::kCgroup)) {
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
