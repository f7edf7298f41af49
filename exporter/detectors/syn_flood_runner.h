#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "collectors/tcp_counters.h"
#include "detectors/syn_flood.h"
#include "inventory/inventory.h"

namespace se {

using PortLabelFn = std::function<std::string(uint16_t port)>;

// One tick's samples: BPF counters by port label, plus listen drops, half-open and backlog
// of the listeners in the snapshot folded the same way (pure).
std::vector<PortSample> BuildPortSamples(const std::vector<LabelledCounters>& counters,
                                         const InventorySnapshot& snapshot,
                                         const PortLabelFn& port_label);

// "prefix:count,..." for the n prefixes with the most SYNs, most first (pure).
std::string TopSources(const std::map<std::string, uint64_t>& counts, uint32_t n);

// Runs the SYN flood detector on its own thread every config.tick, logs each episode's start
// and end, and exports socket_syn_flood_active and socket_syn_flood_detections_total.
class SynFloodRunner : public prometheus::Collectable {
 public:
  using SampleFn = std::function<std::vector<PortSample>()>;
  // (port label, source prefix) of SYNs seen since the previous call.
  using SourcesFn = std::function<std::vector<std::pair<std::string, std::string>>()>;
  SynFloodRunner(const SynFloodConfig& config, SampleFn sample, SourcesFn sources = nullptr);
  ~SynFloodRunner();
  void Start();
  void Stop();
  // Applies reloaded thresholds from the next tick on.
  void Reconfigure(const SynFloodConfig& config);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  void Run();

  SynFloodConfig config_;
  SampleFn sample_;
  SourcesFn sources_;
  mutable std::mutex mu_;  // guards detector_, seen_ and stop_
  SynFloodDetector detector_;
  std::set<std::string> seen_;  // port labels with a listener, for the gauge's zeros
  bool stop_ = false;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace se
