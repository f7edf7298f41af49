#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config_file.h"
#include "net/ip_address.h"

namespace se {

// One inbound TCP segment to a closed port: the kernel answered it with a RST (no socket).
struct ClosedPortHit {
  uint64_t time_ns = 0;  // monotonic time of the segment
  IpAddress source;
  IpAddress destination;
  uint16_t dst_port = 0;
};

// Vertical: many closed ports of one address; horizontal: one port on many addresses.
enum class ScanType { kVertical, kHorizontal };
const char* ScanTypeName(ScanType type);  // "vertical", "horizontal"

// A source starting or ending a scan episode.
struct ScanEvent {
  enum class Kind { kStart, kEnd };
  Kind kind = Kind::kStart;
  IpAddress source;
  ScanType scan_type = ScanType::kVertical;
  uint32_t distinct_ports = 0;      // closed ports in the window when flagged
  uint32_t distinct_addresses = 0;  // horizontal: on the swept port; vertical: among pairs kept
  uint16_t first_port = 0;          // first closed port of the run
  uint16_t last_port = 0;           // latest closed port
  IpAddress last_destination;       // destination of the latest hit
  uint64_t hits = 0;                // hits of the run so far (start) or of the whole run (end)
  uint64_t start_ns = 0;            // first hit of the run
  uint64_t last_ns = 0;             // latest hit of the run
};

// Per-source port scan state machine. Pure and deterministic: time only enters through the
// hits and Expire's argument, so it is fully testable without a clock or kernel.
//
// A run is a source's hits with no silent window between them. An unflagged source keeps the
// closed ports it hit in the last window (exact: fewer than min_ports, or it would be flagged)
// and at most min_addresses (address, port) pairs. When the pairs are full, a new pair takes
// the oldest pair of the other port holding the fewest, if that is no more than its own port
// holds; otherwise it replaces its own port's oldest pair, or is dropped if its port holds
// none. So the port with the most addresses never loses any and multi-port sweeps converge
// on one port (with some lag in random order). Limitation: a source that keeps min_addresses
// pairs on other ports alive in every window can hide a sweep behind them; exact counting
// would need min_ports * min_addresses pairs per source. A flagged source keeps counters only.
//
// Memory bound: at most max_sources sources; each holds a fixed part (list node, hash node,
// counters, allocator overhead: about 250 bytes) plus at most min_ports 16-byte port entries
// and min_addresses 32-byte pair entries. Total <= max_sources * (250 + 16 * min_ports + 32 *
// min_addresses) bytes, about 5 MB at the defaults, plus at most max_sources pending end
// events. Cost per hit: O(min_ports + min_addresses) while unflagged, O(1) once flagged.
class PortScanDetector {
 public:
  explicit PortScanDetector(const PortScanConfig& config);

  // Feeds one hit; returns a kStart when the hit flags its source.
  std::optional<ScanEvent> Observe(const ClosedPortHit& hit);
  // Ends episodes and forgets sources with no hit in the last window; call once per tick.
  // Also returns the ends of episodes that Observe found silent for a window before this
  // call did (their source had already started a new run).
  std::vector<ScanEvent> Expire(uint64_t now_ns);
  // New thresholds from the next hit on. Unflagged sources drop their partial evidence
  // (it was gathered under other thresholds); shrinking max_sources evicts at once.
  void Reconfigure(const PortScanConfig& config);

  size_t tracked() const { return sources_.size(); }
  size_t flagged() const { return flagged_; }
  // Episodes started since creation.
  uint64_t detections() const { return detections_; }
  // Sources dropped to stay within max_sources (flagged ones included, without an end event).
  uint64_t evictions() const { return evictions_; }
  // Port and pair entries held across all sources (what the memory bound limits).
  size_t stored_entries() const;

 private:
  struct PortSeen {  // 16 bytes
    uint64_t last_ns = 0;
    uint32_t pairs = 0;  // pairs kept on this port
    uint16_t port = 0;
  };
  struct PairSeen {  // 32 bytes
    uint64_t last_ns = 0;
    IpAddress address;
    uint16_t port = 0;
  };
  struct Source {
    IpAddress address;
    bool flagged = false;
    ScanType scan_type = ScanType::kVertical;
    uint32_t distinct_ports = 0;  // at flag time
    uint32_t distinct_addresses = 0;
    uint16_t first_port = 0;
    uint16_t last_port = 0;
    IpAddress last_destination;
    uint64_t hits = 0;  // 0: no run in progress
    uint64_t start_ns = 0;
    uint64_t last_ns = 0;
    std::vector<PortSeen> ports;  // unflagged only: distinct ports in the window
    std::vector<PairSeen> pairs;  // unflagged only: (address, port) pairs in the window
  };
  using SourceList = std::list<Source>;  // most recently seen first

  Source* Touch(const IpAddress& address);
  void EvictOldest();
  // Ends the source's run; returns a kEnd if it was flagged.
  std::optional<ScanEvent> EndRun(Source* source);
  // Records the hit's port and pair; returns the pairs now kept on its port.
  uint32_t Remember(Source* source, const ClosedPortHit& hit, uint64_t now_ns) const;
  void Purge(Source* source, uint64_t now_ns) const;
  void AddPair(Source* source, const ClosedPortHit& hit, uint64_t now_ns) const;
  // The pair count of a port the source keeps (callers guarantee it is kept).
  static uint32_t& PairsOn(Source* source, uint16_t port);
  ScanEvent Flag(Source* source, bool horizontal, uint32_t on_port);
  static uint32_t DistinctAddresses(const std::vector<PairSeen>& pairs);
  static ScanEvent MakeEvent(ScanEvent::Kind kind, const Source& source);
  static void DropDetail(Source* source);

  PortScanConfig config_;
  uint64_t window_ns_ = 0;
  SourceList sources_;
  std::unordered_map<IpAddress, SourceList::iterator, IpAddressHash> index_;
  // Ends found by Observe, returned by the next Expire; at most max_sources are held.
  std::vector<ScanEvent> pending_ends_;
  size_t flagged_ = 0;
  uint64_t detections_ = 0;
  uint64_t evictions_ = 0;
};

}  // namespace se
