#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "config/config_file.h"
#include "detectors/syn_flood.h"
#include "snapshot/inventory_snapshot.h"
#include "snapshot/kernel_snapshot.h"

namespace se {

// One tick's samples: BPF counters by port label, plus listen drops, half-open and backlog
// of the listeners in the snapshot folded the same way (pure).
std::vector<PortSample> BuildPortSamples(const KernelSnapshot& kernel,
                                         const InventorySnapshot& inventory);

// "prefix:count,..." for the n prefixes with the most SYNs, most first (pure).
std::string TopSources(const std::map<std::string, uint64_t>& counts, uint32_t n);

// What the scrape shows of the SYN flood detector: every port label that ever had a
// listener, whether it is flooded now and its episodes so far.
struct SynFloodState {
  struct Port {
    std::string port;
    bool active = false;
    uint64_t detections = 0;
  };
  std::vector<Port> ports;  // sorted by label
};

// The SYN flood detector as the detector loop runs it: fed one tick's samples, it logs
// episodes (naming the busiest source prefixes) and keeps the state the scrape reads.
// Thread-safe: the loop ticks, scrapes read State(), SIGHUP reconfigures.
class SynFloodMonitor {
 public:
  explicit SynFloodMonitor(const SynFloodConfig& config);

  // One detector tick, elapsed_seconds after the previous one (or the loop's start): the
  // samples of this tick and the SYN source samples since the previous one.
  void Tick(double elapsed_seconds, const std::vector<PortSample>& samples,
            const std::vector<SynSource>& sources);
  // Applies reloaded thresholds from the next tick on.
  void Reconfigure(const SynFloodConfig& config);
  SynFloodState State() const;

 private:
  mutable std::mutex mu_;  // guards everything below
  SynFloodConfig config_;
  SynFloodDetector detector_;
  std::set<std::string> seen_;  // port labels with a listener, for the gauge's zeros
};

}  // namespace se
