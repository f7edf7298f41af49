#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collectors/exporter_self.h"
#include "collectors/tcp_counters.h"
#include "config/config_file.h"
#include "config/options.h"
#include "detectors/security_monitor.h"
#include "detectors/syn_flood_runner.h"
#include "http/http_server.h"
#include "port_labels.h"
#include "probes/event_reader.h"
#include "probes/tcp_events_probe.h"

namespace se {

class NetnsScope;
class Inventory;

// socket_exporter_config_last_reload_successful and _success_timestamp_seconds.
class ReloadStatus : public prometheus::Collectable {
 public:
  ReloadStatus();
  void Record(bool ok);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::atomic<bool> ok_{true};
  std::atomic<double> success_time_{0};
};

// Owns everything for the process's lifetime: probes, collectors, HTTP server.
class Daemon {
 public:
  explicit Daemon(Options options);
  ~Daemon();

  // Starts everything; false with a one-line *error and nothing left attached.
  bool Start(std::string* error);
  // Serves until SIGTERM or SIGINT; SIGHUP re-reads --config.file. The caller has blocked
  // these signals in every thread.
  void ServeUntilShutdown();
  // Re-reads --config.file; a bad file is logged and the running config stays in force.
  bool Reload();
  std::optional<std::string> RenderMetrics();
  uint16_t http_port() const { return http_.port(); }
  // Replaces how programs are attached (tests use it to make one probe fail).
  void set_attach_fn(AttachFn attach) { attach_ = std::move(attach); }

 private:
  bool OpenProbes(std::string* error);
  bool StartSecurity(std::string* error);
  void TrackExistingListeners();

  std::vector<PortSample> SampleForDetector();
  std::vector<std::pair<std::string, std::string>> SynSources();

  Options options_;
  Config config_;
  std::shared_ptr<SynFloodRunner> syn_flood_;
  std::shared_ptr<SecurityMonitor> security_;
  std::unique_ptr<EventReader> events_;
  std::shared_ptr<ReloadStatus> reload_status_ = std::make_shared<ReloadStatus>();
  std::unique_ptr<NetnsScope> scope_;
  std::unique_ptr<Inventory> inventory_;
  std::unique_ptr<TcpEventsProbe> probe_;
  PortLabels port_labels_;
  std::vector<LabelledCounters> scrape_counters_;  // this scrape's folded counters (scrape_mu_)
  std::vector<NamedCollector> collectors_;
  AttachFn attach_ = DefaultAttach();
  std::mutex scrape_mu_;  // one scrape at a time: the inventory's sockets are not shared
  std::atomic<bool> ready_{false};
  HttpServer http_;  // last: stopped first, before what its handlers use goes away
};

}  // namespace se
