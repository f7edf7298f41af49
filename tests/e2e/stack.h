// The alerting pipeline the end-to-end tests run against the exporter: a real Prometheus that
// scrapes it and evaluates the project's alert rules, a real Alertmanager that Prometheus sends
// alerts to, and a webhook receiver in the test process that Alertmanager notifies. Every
// process is a child of the test, on 127.0.0.1, with its data in a temporary directory.
#ifndef SE_TEST_E2E_STACK_H_
#define SE_TEST_E2E_STACK_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/http_client.h"
#include "harness/metrics_text.h"
#include "webhook.h"

namespace se::test {

// The alert rules under test: $SE_E2E_ALERT_RULES if set, else deploy/prometheus/alerts.yml of
// the source tree.
std::string AlertRulesFile();

// A directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);  // throws std::runtime_error on failure
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to the file `name` in the directory; returns its path.
  std::string WriteFile(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// A server binary run as a child, listening on 127.0.0.1:port, its output kept in a file.
class ServerProcess {
 public:
  ServerProcess(std::string name, std::vector<std::string> argv, uint16_t port,
                std::string log_path);
  ~ServerProcess();  // Stop()
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Spawns it and waits for /-/ready to answer 200; on failure says why, with its log.
  ::testing::AssertionResult Start(std::chrono::milliseconds ready_timeout);
  // SIGTERM, a bounded wait, then SIGKILL; only ever this child's pid.
  void Stop();

  HttpResponse Get(const std::string& path) const;
  std::string Log() const;
  uint16_t port() const { return port_; }

 private:
  std::string name_;
  std::vector<std::string> argv_;
  uint16_t port_;
  std::string log_path_;
  pid_t pid_ = -1;
};

// An alert as Prometheus holds it (GET /api/v1/alerts).
struct PrometheusAlert {
  std::string state;  // "pending" or "firing"
  Labels labels;
};

class AlertingStack {
 public:
  explicit AlertingStack(std::string rules_file);
  ~AlertingStack();  // stops Prometheus, then Alertmanager, then the receiver; removes the data
  AlertingStack(const AlertingStack&) = delete;
  AlertingStack& operator=(const AlertingStack&) = delete;

  // Starts the receiver, Alertmanager, and Prometheus scraping 127.0.0.1:exporter_port as job
  // socket_exporter. Returns once Prometheus has scraped the exporter successfully and has
  // found the Alertmanager, or says which step did not finish within `timeout`.
  ::testing::AssertionResult Start(uint16_t exporter_port,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(60));

  const WebhookReceiver& webhook() const { return *webhook_; }

  // The alerts Prometheus holds now, pending or firing.
  ::testing::AssertionResult PrometheusAlerts(std::vector<PrometheusAlert>* out) const;
  // Value of the first sample of an instant query; nullopt when empty or on error.
  std::optional<double> Query(const std::string& promql) const;
  // Names of the alerting rules Prometheus has loaded.
  std::set<std::string> AlertRuleNames() const;

  // Alerts held by Prometheus, notifications received, and both servers' logs (tails).
  std::string Describe() const;

 private:
  ::testing::AssertionResult StartAlertmanager(Clock::time_point deadline);
  ::testing::AssertionResult StartPrometheus(uint16_t exporter_port, Clock::time_point deadline);
  ::testing::AssertionResult WaitUntilWired(Clock::time_point deadline) const;

  std::string rules_file_;
  TempDir dir_;
  std::unique_ptr<WebhookReceiver> webhook_;
  std::unique_ptr<ServerProcess> alertmanager_;
  std::unique_ptr<ServerProcess> prometheus_;
};

// "name{labels}" of every alert, one per line.
std::string FormatAlerts(const std::vector<PrometheusAlert>& alerts);

}  // namespace se::test

#endif  // SE_TEST_E2E_STACK_H_
