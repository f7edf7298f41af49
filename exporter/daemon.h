#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "collectors/exporter_self.h"
#include "config/options.h"
#include "http/http_server.h"
#include "port_labels.h"

namespace se {

class TcpEventsProbe;
class NetnsScope;
class Inventory;

// Owns everything for the process's lifetime: probes, collectors, HTTP server.
class Daemon {
 public:
  explicit Daemon(Options options);
  ~Daemon();

  // Starts everything; false with a one-line *error and nothing left attached.
  bool Start(std::string* error);
  // Blocks until SIGTERM or SIGINT (which the caller has blocked in every thread).
  void WaitForShutdown();
  std::string RenderMetrics();

 private:
  bool OpenProbes(std::string* error);
  void TrackInitialPorts();

  Options options_;
  std::unique_ptr<NetnsScope> scope_;
  std::unique_ptr<Inventory> inventory_;
  std::unique_ptr<TcpEventsProbe> probe_;
  PortLabels port_labels_;
  std::vector<NamedCollector> collectors_;
  std::atomic<bool> ready_{false};
  HttpServer http_;  // last: stopped first, before what its handlers use goes away
};

}  // namespace se
