#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config_file.h"
#include "config/options.h"
#include "probes/kernel_tracepoints.h"
#include "probes/tc_ingress.h"
#include "snapshot/kernel_snapshot.h"
#include "socket_exporter.h"

struct tcp_events;
struct bpf_program;
struct bpf_link;

namespace se {

// Attaches one program; returns nullptr with errno set on failure. The default calls
// bpf_program__attach; tests substitute one that fails for a chosen probe.
using AttachFn = std::function<bpf_link*(bpf_program* prog, const std::string& probe)>;
AttachFn DefaultAttach();

// Where SYNs are counted (docs/architecture.md, "Counting SYNs").
enum class SynHook { kCgroup, kTc };

// The hook a --probes.syn-hook choice stands for in this process, and why, for the log:
// auto is cgroup with --netns=all or where the cgroup v2 mount is the hierarchy's root (the
// host's tree), tc otherwise (a container that sees only its own cgroup, or no cgroup v2 mount,
// such as a sidecar).
SynHook ResolveSynHook(SynHookChoice choice, NetnsMode mode, std::string* why);
// "" if the cgroup v2 mount is the hierarchy's root (or there is none); otherwise what the
// cgroup_skb SYN counter attached there misses, and the fix.
std::string CgroupRootWarning();

struct TcpEventsConfig {
  uint32_t netns_ino = 0;  // 0: every namespace
  SynHook syn_hook = SynHook::kCgroup;
  int syn_netns_fd = -1;   // kTc: the namespace whose interfaces it attaches to (Open() keeps a
                           // duplicate); -1: the exporter's own
  uint32_t max_slots = 1;  // tracked ports + 1 for "other"
  uint16_t ephemeral_low = 32768;
  uint16_t ephemeral_high = 60999;
  uint32_t conn_table_bits = SE_CONN_TABLE_BITS;  // log2 of connection table entries
  // --attribution=cgroup (workloads.bpf.h): workload slots (with "other" and "host") and the
  // (workload, port) cells after the max_slots port cells; max_slots + cells <= SE_MAX_CELLS.
  bool attribution = false;
  uint32_t max_workloads = 0;
  uint32_t cells = 0;
  // The forms of the programs to load: the running kernel's (ReadKernelTracepoints()) unless
  // set; tests set an older kernel's to run those forms here.
  std::optional<KernelTracepoints> tracepoints;
};

// The tcp_events BPF object: opened, configured and loaded in Open(), attached in
// Attach(), destroyed (detached) with the object.
class TcpEventsProbe {
 public:
  static std::unique_ptr<TcpEventsProbe> Open(const TcpEventsConfig& config, std::string* error);
  ~TcpEventsProbe();
  TcpEventsProbe(const TcpEventsProbe&) = delete;
  TcpEventsProbe& operator=(const TcpEventsProbe&) = delete;

  // Gives a port its own slot if room is left, and marks listeners. Safe while attached:
  // it allocates with the same atomic protocol as the BPF programs.
  void TrackPort(uint16_t port, bool listening);

  // Attaches every program (the SYN counter to the hook the config chose); returns false with
  // *error naming the first failure if strict, otherwise logs failures and keeps the ones that
  // attached.
  bool Attach(bool strict, const AttachFn& attach, std::string* error);
  bool AnyAttached() const;
  bool SynCounterAttached() const;
  SynHook syn_hook() const { return config_.syn_hook; }
  // Detaches every program; maps and counters stay (benchmarks alternate attach/detach).
  void Detach();

  // One read of the maps a scrape or a detector tick needs: the slot table, every slot's
  // counters summed over CPUs and folded by that table, program stats, events lost.
  KernelSnapshot Snapshot() const;
  // The same without program stats (a detector tick needs none).
  // workloads: also the per-workload counters and cgroups (the scrape's; the detectors need
  // only the per-port totals, which include every workload's counts either way).
  KernelSnapshot CountersSnapshot(bool workloads = false) const;
  // SYN source samples written since the previous call (up to SE_SRC_RING per CPU); only the
  // detector tick reads them.
  std::vector<se_src_sample> ReadNewSources();
  // TCP sockets that started or stopped listening in scope so far (a memory read, no system
  // call): while it stays, no TCP listener, and no namespace with one, came or went.
  uint64_t ListenerChanges() const;
  // The network namespaces of the listen()s after the first `seen` (SE_LISTEN_RING), and the
  // count to pass next time; complete is false when some can no longer be told apart (more
  // than SE_LISTEN_RING since, or one being written as it was read).
  struct ListenNamespaces {
    uint64_t listens = 0;
    bool complete = true;
    std::vector<uint32_t> netns;
  };
  ListenNamespaces ListenNamespacesSince(uint64_t seen) const;

  // --attribution=cgroup: the workload slots the kernel has handed out and not yet recycled,
  // with their cgroup ids (slot 1, "host", is the root cgroup's and never recycled).
  std::vector<std::pair<uint32_t, uint64_t>> Workloads() const;
  // Recycling a workload whose cgroup is gone: Unpublish stops the kernel handing its slot to
  // new connections and hides its series from snapshots; each Release call after that (one per
  // detector tick, never two in the same second) unpublishes its cells and frees those that had
  // no live connection at an earlier call, adding their counts to the per-port totals first so
  // those never go down. True once the slot and every cell of it are free for reuse.
  void UnpublishWorkload(uint32_t slot);
  bool ReleaseWorkload(uint32_t slot);

  // Writes the kernel-side policy rules (denied sources and destinations, allowed egress
  // ports) into the maps; safe while attached. Returns false with *error if a map refuses.
  bool SetPolicy(const PolicyConfig& policy, std::string* error);
  // The ring buffer of rare events (struct se_event), for an EventReader.
  int events_fd() const;
  // policy_flags, an array map with a __u32 at key 0: the start-up check of map access.
  int policy_flags_fd() const;

 private:
  TcpEventsProbe(tcp_events* skel, uint64_t* port_slot, const TcpEventsConfig& config);
  // Slots handed out so far (the rest are unused and zero), at most max_slots.
  uint32_t UsedSlots() const;
  // Counters of cells [from, from + count) summed over CPUs.
  std::vector<se_port_counters> ReadCounters(uint32_t from, uint32_t count) const;
  static void SizeWorkloadMaps(tcp_events* skel, const TcpEventsConfig& config);
  bool InitWorkloadMaps(std::string* error);  // after load: the free queues, "host"
  // Fills snap->workloads and snap->workload_cgroups from the port cells in *slots and the
  // pair cells, and adds the pair cells and the recycled counts into *slots.
  void ReadWorkloadCells(KernelSnapshot* snap, std::vector<se_port_counters>* slots,
                         bool workloads) const;
  void FoldWorkloads(const std::vector<se_port_counters>& slots,
                     const std::vector<se_port_counters>& pairs, const std::vector<uint32_t>& keys,
                     KernelSnapshot* snap) const;
  std::vector<uint64_t> SlotCgroups() const;  // per workload slot: its published cgroup or 0
  // Recycling pair cell i (cells_mu_ held).
  bool Seal(uint32_t i, uint64_t cgroup, uint32_t key);
  int64_t CellLive(uint32_t cell) const;
  void FreeCell(uint32_t i, uint32_t key);
  std::vector<uint32_t> CellKeys() const;  // of the pair cells
  // Port of each slot (0 = "other" or unused), indexed by slot; only the first `used` read.
  std::vector<uint16_t> SlotPorts(uint32_t used) const;
  std::vector<ProgramStats> Stats() const;
  // Events the ring buffer could not take, summed over CPUs.
  uint64_t EventsLost() const;

  tcp_events* skel_;
  uint64_t* port_slot_;  // the memory-mapped port_slot map, SE_PORT_COUNT entries
  TcpEventsConfig config_;
  int num_cpus_;
  std::vector<uint64_t> sources_read_;  // per CPU: ring position already read
  UniqueFd syn_netns_;                  // config_.syn_netns_fd's duplicate
  TcIngress tc_;                        // SynHook::kTc: syn_tc_ingress on every interface
  // Recycling (ReleaseWorkload) against snapshots: a cell's counts move to retired_ and the
  // cell is cleared under this lock, so a snapshot sees them in exactly one place.
  mutable std::mutex cells_mu_;
  std::vector<se_port_counters> retired_;   // per port slot: counts of recycled cells
  std::vector<bool> unpublished_;           // per workload slot
  mutable std::vector<uint64_t> verified_;  // per workload slot: its cgroup, once checked
  enum class CellState : uint8_t { kInUse, kSealed, kQuiet };
  std::vector<CellState> state_;  // per pair cell, while its workload is released
};

}  // namespace se
