#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "net/ip_address.h"
#include "net/port_folding.h"
#include "socket_exporter.h"

namespace se {

// Run-time statistics of one BPF program, from bpf_prog_info.
struct ProgramStats {
  std::string probe;  // program name, e.g. "inet_sock_set_state"
  bool attached = false;
  uint64_t run_count = 0;      // only counted while kernel.bpf_stats_enabled=1
  uint64_t run_time_ns = 0;    // idem
  uint64_t missed_events = 0;  // runs the kernel skipped (recursion misses)
};

// Counters of one port label value after folding (several slots may share "other").
struct LabelledCounters {
  using Labels = std::vector<std::pair<std::string, std::string>>;
  LabelledCounters() : counters{} {}
  LabelledCounters(std::string p, const se_port_counters& c, Labels l = {})
      : port(std::move(p)), counters(c), labels(std::move(l)) {}
  std::string port;
  se_port_counters counters;
  Labels labels;  // with --attribution=cgroup: the workload's (name, value), sorted by name
};

// Counters of one (workload slot, port label) pair, with --attribution=cgroup.
struct WorkloadCounters {
  uint32_t workload = SE_WORKLOAD_OTHER;  // workload slot
  std::string port;
  se_port_counters counters;
};

// Everything the scrape and the detector tick need from the BPF maps, read once (one slot
// table read, one counter read) by TcpEventsProbe::Snapshot and passed down as a value.
struct KernelSnapshot {
  PortFolding ports;                       // the slot table of this read
  std::vector<LabelledCounters> counters;  // folded by `ports`, sorted, "other" last
  // With --attribution=cgroup: the same counts per workload slot and port label, sorted by
  // slot, then as `counters`; summed over workloads they are `counters` (less the counts of
  // workloads whose cells were recycled, kept in `counters` so that it never goes down).
  std::vector<WorkloadCounters> workloads;
  std::vector<uint64_t> workload_cgroups;  // cgroup id of each workload slot (0: unused)
  uint64_t workload_folds = 0;             // connections folded into "other": no free cell
  std::vector<ProgramStats> programs;      // one per probe
  uint64_t events_lost = 0;                // rare events the ring buffer could not take
};

// Adds every counter of c into *sum (the struct is all __u64).
void AddPortCounters(se_port_counters* sum, const se_port_counters& c);

// Folds per-slot counters into per-label counters: slot 0 and unnamed slots are "other".
// Sorted by port number, "other" last.
std::vector<LabelledCounters> FoldSlots(const std::vector<se_port_counters>& slots,
                                        const PortFolding& ports);

// Folds per-cell counters (workloads.bpf.h) by workload slot and port label. cell_keys[i] is
// cell i's se_cell_key(workload slot, port slot); cells without a key (0) count as "other".
std::vector<WorkloadCounters> FoldCells(const std::vector<se_port_counters>& cells,
                                        const std::vector<uint32_t>& cell_keys,
                                        const PortFolding& ports);

// Per-port-slot sums of per-cell counters: the input of FoldSlots.
std::vector<se_port_counters> CellsToSlots(const std::vector<se_port_counters>& cells,
                                           const std::vector<uint32_t>& cell_keys, size_t slots);

// One sampled SYN: the port label it reached and its source network (/24 or /64).
struct SynSource {
  std::string port;
  IpAddress prefix;
  uint8_t prefix_len = 0;
  std::string ToString() const;  // "10.0.1.0/24"
};

// Decodes the SYN programs' source samples with the slot table of the same tick.
std::vector<SynSource> DecodeSynSources(const std::vector<se_src_sample>& samples,
                                        const PortFolding& ports);

}  // namespace se
