#include "probes/tcp_events_probe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "logging/log.h"
#include "net/unique_fd.h"
#include "probes/kernel_tracepoints.h"
#include "probes/libbpf_log.h"
#include "probes/map_read.h"
#include "system/cgroup_tree.h"
#include "system/preflight.h"
#include "system/privileges.h"
#include "tcp_events.skel.h"

namespace se {
namespace {

// The programs of the probe: the tracepoints and the SYN counter of the chosen hook. link is
// nullptr for syn_tc_ingress, whose attachments (one per interface) TcIngress holds.
template <typename Fn>
void ForEachProgram(tcp_events* skel, SynHook hook, Fn fn) {
  fn("inet_sock_set_state", skel->progs.inet_sock_set_state, &skel->links.inet_sock_set_state);
  fn("tcp_send_reset", skel->progs.tcp_send_reset, &skel->links.tcp_send_reset);
  fn("tcp_receive_reset", skel->progs.tcp_receive_reset, &skel->links.tcp_receive_reset);
  if (hook == SynHook::kCgroup) {
    fn("syn_ingress", skel->progs.syn_ingress, &skel->links.syn_ingress);
  } else {
    fn("syn_tc_ingress", skel->progs.syn_tc_ingress, static_cast<bpf_link**>(nullptr));
  }
  fn("tcp_retransmit_synack", skel->progs.tcp_retransmit_synack,
     &skel->links.tcp_retransmit_synack);
  fn("tcp_retransmit_skb", skel->progs.tcp_retransmit_skb, &skel->links.tcp_retransmit_skb);
  // Of the two forms of skb_drop, Open() loaded the one the kernel's kfree_skb has arguments
  // for; udp_send only where the kernel has its tracepoint.
  const bool rx_sk = bpf_program__autoload(skel->progs.skb_drop);
  fn("skb_drop", rx_sk ? skel->progs.skb_drop : skel->progs.skb_drop_no_rx_sk,
     rx_sk ? &skel->links.skb_drop : &skel->links.skb_drop_no_rx_sk);
  if (bpf_program__autoload(skel->progs.udp_send))
    fn("udp_send", skel->progs.udp_send, &skel->links.udp_send);
}

// Loads only the programs whose tracepoints, with the arguments they read, the kernel has.
void ChooseForKernel(tcp_events* skel, const TcpEventsConfig& config) {
  const KernelTracepoints kernel = config.tracepoints ? *config.tracepoints : ReadKernelTracepoints();
  const bool rx_sk = kernel.kfree_skb_args >= 4;
  bpf_program__set_autoload(rx_sk ? skel->progs.skb_drop_no_rx_sk : skel->progs.skb_drop, false);
  if (kernel.sock_send_length) return;
  bpf_program__set_autoload(skel->progs.udp_send, false);
  log::Warn("probe not available on this kernel, serving without it",
            {{"probe", "udp_send"},
             {"err", "no sock:sock_send_length tracepoint (Linux 6.3+); UDP sent datagrams are "
                     "not counted"}});
}

}  // namespace

SynHook ResolveSynHook(SynHookChoice choice, NetnsMode mode, std::string* why) {
  if (choice != SynHookChoice::kAuto) {
    *why = "--probes.syn-hook";
    return choice == SynHookChoice::kTc ? SynHook::kTc : SynHook::kCgroup;
  }
  if (mode == NetnsMode::kAll) {
    *why = "--netns=all: only the cgroup v2 root sees every namespace's sockets";
    return SynHook::kCgroup;
  }
  if (Cgroup2Root().empty()) {
    *why = "no cgroup v2 mount here";
    return SynHook::kTc;
  }
  if (CgroupIdOf(Cgroup2Root()) != kRootCgroupId) {
    *why = "the cgroup v2 mount here is one cgroup, not the hierarchy's root";
    return SynHook::kTc;
  }
  *why = "the cgroup v2 hierarchy's root is mounted here";
  return SynHook::kCgroup;
}

std::string CgroupRootWarning() {
  const std::string root = Cgroup2Root();
  if (root.empty() || CgroupIdOf(root) == kRootCgroupId) return "";
  return "the cgroup v2 mount at " + root +
         " is one cgroup, not the hierarchy's root: only SYNs to sockets of cgroups below it "
         "are counted; mount the host's cgroup v2 root there, or use --probes.syn-hook=tc";
}

namespace {

// Why a program did not attach, and the fix where it is known.
std::string AttachFailure(bpf_program* prog, int err) {
  const std::string why = std::strerror(err);
  const bpf_prog_type type = bpf_program__type(prog);
  if (type == BPF_PROG_TYPE_CGROUP_SKB && err == ENOENT && Cgroup2Root().empty()) {
    return "no cgroup v2 mount in /proc/self/mounts (under `ip netns exec`, mount it with "
           "`mount -t cgroup2 none /sys/fs/cgroup`, run the exporter with nsenter, or count "
           "SYNs at TC ingress with --probes.syn-hook=tc)";
  }
  if (err != EPERM && err != EACCES) return why;
  if (type == BPF_PROG_TYPE_CGROUP_SKB)
    return why + ": attaching a cgroup_skb program needs CAP_NET_ADMIN; run as root or grant it";
  if (type == BPF_PROG_TYPE_SCHED_CLS)
    return why + ": attaching a TC program needs CAP_NET_ADMIN; run as root or grant it";
  if (type == BPF_PROG_TYPE_TRACING)
    return why +
           ": attaching a tracing program needs CAP_BPF and CAP_PERFMON; run as root or "
           "grant them";
  return why;
}

// What serving without a probe loses, for the warning.
const char* WithoutProbe(const std::string& probe) {
  if (probe == "syn_ingress") return "; SYN counting is off, and UDP datagrams received are not counted";
  if (probe == "udp_send") return "; UDP sent datagrams are not counted";
  return probe.rfind("syn_", 0) == 0 ? "; SYN counting is off" : "";
}

}  // namespace

AttachFn DefaultAttach() {
  return [](bpf_program* prog, const std::string&) -> bpf_link* {
    if (bpf_program__type(prog) != BPF_PROG_TYPE_CGROUP_SKB) return bpf_program__attach(prog);
    const std::string root = Cgroup2Root();
    UniqueFd fd(root.empty() ? -1 : open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
      errno = root.empty() ? ENOENT : errno;
      return nullptr;
    }
    bpf_link* link = bpf_program__attach_cgroup(prog, fd.get());
    const int saved = errno;  // closing must not hide the attach error
    fd.reset();
    errno = saved;
    return link;
  };
}

constexpr size_t kPortSlotBytes = SE_PORT_COUNT * sizeof(uint64_t);

TcpEventsProbe::TcpEventsProbe(tcp_events* skel, uint64_t* port_slot, const TcpEventsConfig& config)
    : skel_(skel), port_slot_(port_slot), config_(config), num_cpus_(libbpf_num_possible_cpus()) {
  if (config.syn_netns_fd >= 0) syn_netns_.reset(fcntl(config.syn_netns_fd, F_DUPFD_CLOEXEC, 0));
  config_.syn_netns_fd = syn_netns_.get();
}

TcpEventsProbe::~TcpEventsProbe() {
  tc_.Detach();
  munmap(port_slot_, kPortSlotBytes);
  tcp_events::destroy(skel_);
}

std::unique_ptr<TcpEventsProbe> TcpEventsProbe::Open(const TcpEventsConfig& config,
                                                     std::string* error) {
  RouteLibbpfLog();
  tcp_events* skel = tcp_events::open();
  if (!skel) {
    *error = std::string("cannot open the BPF object: ") + std::strerror(errno);
    return nullptr;
  }
  skel->rodata->netns_ino = config.netns_ino;
  skel->rodata->max_slots = config.max_slots;
  skel->rodata->ephemeral_low = config.ephemeral_low;
  skel->rodata->ephemeral_high = config.ephemeral_high;
  SizeWorkloadMaps(skel, config);
  skel->rodata->conn_table_bits = config.conn_table_bits;
  bpf_map__set_max_entries(skel->maps.conn_table, 1U << config.conn_table_bits);
  // Only the chosen SYN counter is loaded; a TC program not even that without CAP_NET_ADMIN
  // (the kernel refuses it, and with it the whole object): Attach() reports it then.
  const bool tc = config.syn_hook == SynHook::kTc;
  bpf_program__set_autoload(tc ? skel->progs.syn_ingress : skel->progs.syn_tc_ingress, false);
  if (tc && !CanAdministerNetwork()) bpf_program__set_autoload(skel->progs.syn_tc_ingress, false);
  ChooseForKernel(skel, config);
  const int err = tcp_events::load(skel);
  if (err) {
    const int e = -err;
    tcp_events::destroy(skel);
    *error = e == EPERM ? "loading BPF programs was refused (" + std::string(std::strerror(e)) +
                              "): run as root or grant CAP_BPF and CAP_PERFMON"
                        : "loading BPF programs failed: " + std::string(std::strerror(e)) +
                              " (the kernel rejected them; run with --log.level=debug for the "
                              "verifier log; socket_exporter needs " +
                              kKernelRequirement + ")";
    return nullptr;
  }
  void* mem = mmap(nullptr, kPortSlotBytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                   bpf_map__fd(skel->maps.port_slot), 0);
  if (mem == MAP_FAILED) {
    *error = std::string("cannot map the port table: ") + std::strerror(errno);
    tcp_events::destroy(skel);
    return nullptr;
  }
  std::unique_ptr<TcpEventsProbe> probe(
      new TcpEventsProbe(skel, static_cast<uint64_t*>(mem), config));
  if (!probe->InitWorkloadMaps(error)) return nullptr;
  return probe;
}

void TcpEventsProbe::TrackPort(uint16_t port, bool listening) {
  uint64_t* entry = &port_slot_[port];
  uint32_t* next = &skel_->data->next_slot;
  if (listening) __atomic_fetch_or(entry, SE_PORT_LISTENING, __ATOMIC_SEQ_CST);
  uint64_t old = __atomic_load_n(entry, __ATOMIC_SEQ_CST);
  if ((old & SE_PORT_SLOT_MASK) || __atomic_load_n(next, __ATOMIC_SEQ_CST) >= config_.max_slots)
    return;
  uint32_t slot = __atomic_fetch_add(next, 1, __ATOMIC_SEQ_CST);
  if (slot >= config_.max_slots) return;
  uint32_t key = port;
  bpf_map_update_elem(bpf_map__fd(skel_->maps.slot_port), &slot, &key, BPF_ANY);
  while (!(old & SE_PORT_SLOT_MASK) &&
         !__atomic_compare_exchange_n(entry, &old, old | slot, false, __ATOMIC_SEQ_CST,
                                      __ATOMIC_SEQ_CST)) {
    // Retry only when the listening bit changed under us; a slot set by the kernel wins.
  }
}

bool TcpEventsProbe::Attach(bool strict, const AttachFn& attach, std::string* error) {
  bool ok = true;
  ForEachProgram(
      skel_, config_.syn_hook, [&](const char* probe, bpf_program* prog, bpf_link** link) {
        if (!ok) return;
        errno = 0;
        std::string partial;
        const int prog_fd = link ? -1 : bpf_program__fd(prog);
        errno = link || prog_fd >= 0 ? 0 : EPERM;  // a TC program not loaded: see Open()
        const bool attached =
            link ? (*link = attach(prog, probe)) != nullptr
                 : prog_fd >= 0 && tc_.Attach(prog_fd, config_.syn_netns_fd, &partial);
        if (attached) {
          log::Info("probe attached",
                    link ? log::Fields{{"probe", probe}}
                         : log::Fields{{"probe", probe}, {"interfaces", tc_.Interfaces()}});
          return;
        }
        const std::string why = AttachFailure(prog, errno ? errno : EINVAL) +
                                (partial.empty() ? "" : " (" + partial + ")");
        if (strict) {
          *error = std::string("probe ") + probe + " failed to attach: " + why +
                   " (drop --probes.strict to serve without it)";
          ok = false;
          return;
        }
        log::Warn("probe failed to attach, serving without it",
                  {{"probe", probe}, {"err", why + WithoutProbe(probe)}});
      });
  return ok;
}

bool TcpEventsProbe::AnyAttached() const {
  bool any = false;
  ForEachProgram(skel_, config_.syn_hook, [&](const char*, bpf_program*, bpf_link** link) {
    any |= link ? *link != nullptr : tc_.attached();
  });
  return any;
}

bool TcpEventsProbe::SynCounterAttached() const {
  switch (config_.syn_hook) {
    case SynHook::kCgroup:
      return skel_->links.syn_ingress != nullptr;
    case SynHook::kTc:
      return tc_.attached();
  }
  return false;
}

void TcpEventsProbe::Detach() {
  ForEachProgram(skel_, config_.syn_hook, [this](const char*, bpf_program*, bpf_link** link) {
    if (!link) return tc_.Detach();
    bpf_link__destroy(*link);
    *link = nullptr;
  });
}

uint32_t TcpEventsProbe::UsedSlots() const {
  const uint32_t next = __atomic_load_n(&skel_->data->next_slot, __ATOMIC_ACQUIRE);
  return std::min(next, config_.max_slots);
}

std::vector<se_port_counters> TcpEventsProbe::ReadCounters(uint32_t from, uint32_t count) const {
  // One batched lookup for every cell and CPU: a per-CPU value is padded to 8 bytes per CPU.
  const size_t stride = (sizeof(se_port_counters) + 7) / 8 * 8;
  std::vector<uint32_t> keys(count);
  std::vector<uint8_t> values(stride * num_cpus_ * count);
  std::vector<se_port_counters> out(count);
  const uint32_t n = ReadArray(bpf_map__fd(skel_->maps.port_counters), from, count,
                               stride * num_cpus_, keys.data(), values.data());
  for (uint32_t i = 0; i < n; ++i) {
    if (keys[i] < from || keys[i] - from >= count) continue;
    se_port_counters* cell = &out[keys[i] - from];
    for (int cpu = 0; cpu < num_cpus_; ++cpu) {
      se_port_counters c;
      std::memcpy(&c, values.data() + (static_cast<size_t>(i) * num_cpus_ + cpu) * stride,
                  sizeof(c));
      AddPortCounters(cell, c);
    }
  }
  return out;
}

std::vector<se_src_sample> TcpEventsProbe::ReadNewSources() {
  std::vector<se_src_ring> rings(num_cpus_);
  uint32_t zero = 0;
  std::vector<se_src_sample> out;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.syn_sources), &zero, rings.data()) != 0)
    return out;
  sources_read_.resize(num_cpus_, 0);
  for (int cpu = 0; cpu < num_cpus_; ++cpu) {
    const se_src_ring& r = rings[cpu];
    const uint64_t oldest = r.next > SE_SRC_RING ? r.next - SE_SRC_RING : 0;
    const uint64_t from = std::max<uint64_t>(sources_read_[cpu], oldest);
    for (uint64_t i = from; i < r.next; ++i) out.push_back(r.s[i % SE_SRC_RING]);
    sources_read_[cpu] = r.next;
  }
  return out;
}

std::vector<uint16_t> TcpEventsProbe::SlotPorts(uint32_t used) const {
  std::vector<uint16_t> ports(config_.max_slots, 0);
  std::vector<uint32_t> keys(used), values(used);
  const uint32_t n = ReadArray(bpf_map__fd(skel_->maps.slot_port), 0, used, sizeof(uint32_t),
                               keys.data(), reinterpret_cast<uint8_t*>(values.data()));
  for (uint32_t i = 0; i < n; ++i) {
    if (keys[i] >= 1 && keys[i] < config_.max_slots)
      ports[keys[i]] = static_cast<uint16_t>(values[i]);
  }
  return ports;
}

uint64_t TcpEventsProbe::ListenerChanges() const {
  return __atomic_load_n(&skel_->bss->listener_changes, __ATOMIC_RELAXED);
}

// The kernel indexes the ring with n & (SE_LISTEN_RING - 1).
static_assert((SE_LISTEN_RING & (SE_LISTEN_RING - 1)) == 0);

TcpEventsProbe::ListenNamespaces TcpEventsProbe::ListenNamespacesSince(uint64_t seen) const {
  ListenNamespaces out;
  out.listens = __atomic_load_n(&skel_->bss->listens, __ATOMIC_ACQUIRE);
  out.complete = out.listens - seen <= SE_LISTEN_RING;
  for (uint64_t n = seen; out.complete && n < out.listens; ++n) {
    const se_listen_ns& e = skel_->bss->listen_ns[n % SE_LISTEN_RING];
    // seq before and after netns: the entry was n's, written whole, and not reused meanwhile.
    const bool before = __atomic_load_n(&e.seq, __ATOMIC_ACQUIRE) == n + 1;
    const uint32_t netns = __atomic_load_n(&e.netns, __ATOMIC_ACQUIRE);
    out.complete = before && __atomic_load_n(&e.seq, __ATOMIC_ACQUIRE) == n + 1;
    out.netns.push_back(netns);
  }
  return out;
}

KernelSnapshot TcpEventsProbe::Snapshot() const {
  KernelSnapshot snap = CountersSnapshot(true);
  snap.programs = Stats();
  snap.events_lost = EventsLost();
  return snap;
}

KernelSnapshot TcpEventsProbe::CountersSnapshot(bool workloads) const {
  // Slots at or past next_slot have never counted anything: read only the ones before it.
  const uint32_t used = UsedSlots();
  KernelSnapshot snap;
  snap.ports = PortFolding(SlotPorts(used));
  std::vector<se_port_counters> slots = ReadCounters(0, used);
  slots.resize(config_.max_slots);
  if (config_.attribution) ReadWorkloadCells(&snap, &slots, workloads);
  snap.counters = FoldSlots(slots, snap.ports);
  return snap;
}

std::vector<ProgramStats> TcpEventsProbe::Stats() const {
  std::vector<ProgramStats> out;
  ForEachProgram(skel_, config_.syn_hook,
                 [&](const char* probe, bpf_program* prog, bpf_link** link) {
                   ProgramStats s;
                   s.probe = probe;
                   s.attached = link ? *link != nullptr : tc_.attached();
                   bpf_prog_info info{};
                   uint32_t len = sizeof(info);
                   if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0) {
                     s.run_count = info.run_cnt;
                     s.run_time_ns = info.run_time_ns;
                     s.missed_events = info.recursion_misses;
                   }
                   out.push_back(s);
                 });
  return out;
}

}  // namespace se
