#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config_file.h"
#include "socket_exporter.h"

struct tcp_events;
struct bpf_program;
struct bpf_link;

namespace se {

// Run-time statistics of one BPF program, from bpf_prog_info.
struct ProgramStats {
  std::string probe;  // tracepoint name, e.g. "inet_sock_set_state"
  bool attached = false;
  uint64_t run_count = 0;      // only counted while kernel.bpf_stats_enabled=1
  uint64_t run_time_ns = 0;    // idem
  uint64_t missed_events = 0;  // runs the kernel skipped (recursion misses)
};

// Attaches one program; returns nullptr with errno set on failure. The default calls
// bpf_program__attach; tests substitute one that fails for a chosen probe.
using AttachFn = std::function<bpf_link*(bpf_program* prog, const std::string& probe)>;
AttachFn DefaultAttach();

// Adds every counter of c into *sum (the struct is all __u64).
void AddPortCounters(se_port_counters* sum, const se_port_counters& c);

struct TcpEventsConfig {
  uint32_t netns_ino = 0;  // 0: every namespace
  uint32_t max_slots = 1;  // tracked ports + 1 for "other"
  uint16_t ephemeral_low = 32768;
  uint16_t ephemeral_high = 60999;
  uint32_t conn_table_bits = SE_CONN_TABLE_BITS;  // log2 of connection table entries
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

  // Attaches every program; returns false with *error naming the first failure if
  // strict, otherwise logs failures and keeps the ones that attached.
  bool Attach(bool strict, const AttachFn& attach, std::string* error);
  bool AnyAttached() const;
  // Detaches every program; maps and counters stay (benchmarks alternate attach/detach).
  void Detach();

  // Counters summed over CPUs, indexed by slot (size max_slots).
  std::vector<se_port_counters> ReadCounters() const;
  // Port of each slot (0 = "other" or unused), indexed by slot.
  std::vector<uint16_t> SlotPorts() const;
  std::vector<ProgramStats> Stats() const;
  // SYN source samples written since the previous call (up to SE_SRC_RING per CPU).
  std::vector<se_src_sample> ReadNewSources();
  uint32_t max_slots() const { return config_.max_slots; }

  // Writes the kernel-side policy rules (denied sources and destinations, allowed egress
  // ports) into the maps; safe while attached. Returns false with *error if a map refuses.
  bool SetPolicy(const PolicyConfig& policy, std::string* error);
  // The ring buffer of rare events (struct se_event), for an EventReader.
  int events_fd() const;
  // Events the ring buffer could not take, summed over CPUs.
  uint64_t EventsLost() const;

 private:
  TcpEventsProbe(tcp_events* skel, uint64_t* port_slot, const TcpEventsConfig& config);

  tcp_events* skel_;
  uint64_t* port_slot_;  // the memory-mapped port_slot map, SE_PORT_COUNT entries
  TcpEventsConfig config_;
  int num_cpus_;
  std::vector<uint64_t> sources_read_;  // per CPU: ring position already read
};

}  // namespace se
