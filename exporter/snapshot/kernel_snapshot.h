#pragma once

#include <cstdint>
#include <string>
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
  std::string port;
  se_port_counters counters;
};

// Everything the scrape and the detector tick need from the BPF maps, read once (one slot
// table read, one counter read) by TcpEventsProbe::Snapshot and passed down as a value.
struct KernelSnapshot {
  PortFolding ports;                       // the slot table of this read
  std::vector<LabelledCounters> counters;  // folded by `ports`, sorted, "other" last
  std::vector<ProgramStats> programs;      // one per probe
  uint64_t events_lost = 0;                // rare events the ring buffer could not take
};

// Adds every counter of c into *sum (the struct is all __u64).
void AddPortCounters(se_port_counters* sum, const se_port_counters& c);

// Folds per-slot counters into per-label counters: slot 0 and unnamed slots are "other".
// Sorted by port number, "other" last.
std::vector<LabelledCounters> FoldSlots(const std::vector<se_port_counters>& slots,
                                        const PortFolding& ports);

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
