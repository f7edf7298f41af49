#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace se {

// What one collector returns: its families and its own failure. A collector that fails
// returns no families and a one-line error; socket_exporter_scrape_collector_success
// follows from it.
struct CollectorResult {
  std::vector<prometheus::MetricFamily> families;
  std::string error;  // "" = success
};

inline CollectorResult Succeeded(std::vector<prometheus::MetricFamily> families) {
  return {std::move(families), ""};
}
inline CollectorResult Failed(std::string error) { return {{}, std::move(error)}; }

// One collector's part of a scrape.
struct CollectorRun {
  std::string name;
  CollectorResult result;
  double seconds = 0;
};

// Runs and times one collector; an exception is that collector's failure, not the scrape's.
template <typename Collect>
CollectorRun RunCollector(std::string name, Collect&& collect) {
  const auto start = std::chrono::steady_clock::now();
  CollectorRun run{std::move(name), {}, 0};
  try {
    run.result = collect();
  } catch (const std::exception& e) {
    run.result = Failed(e.what());
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

// Every run's families, then socket_exporter_scrape_collector_{duration_seconds,success};
// logs each failure once.
std::vector<prometheus::MetricFamily> CollectAll(std::vector<CollectorRun> runs);

}  // namespace se
