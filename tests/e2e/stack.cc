#include "stack.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness/command.h"
#include "harness/exporter_process.h"
#include "json.h"

#ifndef SE_SOURCE_DIR
#error "SE_SOURCE_DIR must name the source tree (for deploy/prometheus/alerts.yml)"
#endif

namespace se::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kPrometheusBinary[] = "/usr/bin/prometheus";
constexpr char kAlertmanagerBinary[] = "/usr/bin/prometheus-alertmanager";
constexpr size_t kLogTail = 4000;

std::string Tail(const std::string& text) {
  return text.size() <= kLogTail ? text : "..." + text.substr(text.size() - kLogTail);
}

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// The "data" member of a successful Prometheus API answer; false with *error otherwise.
bool ApiData(const HttpResponse& r, Json* data, std::string* error) {
  Json doc;
  if (r.status != 200) {
    *error = "status " + std::to_string(r.status) + " " + r.error + " " + r.body.substr(0, 300);
    return false;
  }
  if (!Json::Parse(r.body, &doc, error)) return false;
  if (doc["status"].Text() != "success") {
    *error = "API status " + doc["status"].Text() + ": " + doc["error"].Text();
    return false;
  }
  *data = doc["data"];
  return true;
}

// Replaces every "{key}" in text by its value.
std::string Fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    const std::string placeholder = "{" + key + "}";
    for (size_t at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size())) {
      text.replace(at, placeholder.size(), value);
    }
  }
  return text;
}

constexpr char kAlertmanagerConfig[] = R"(route:
  receiver: test
  group_by: ['alertname', 'port']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: '{webhook_url}'
        send_resolved: true
)";

constexpr char kPrometheusConfig[] = R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - '{rules_file}'
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:{alertmanager_port}']
scrape_configs:
  - job_name: socket_exporter
    static_configs:
      - targets: ['127.0.0.1:{exporter_port}']
)";

}  // namespace

std::string AlertRulesFile() {
  const char* override_path = std::getenv("SE_E2E_ALERT_RULES");
  if (override_path != nullptr && *override_path != '\0') return override_path;
  return std::string(SE_SOURCE_DIR) + "/deploy/prometheus/alerts.yml";
}

TempDir::TempDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::WriteFile(const std::string& name, const std::string& content) const {
  const std::string file = path_ + "/" + name;
  std::ofstream(file, std::ios::binary) << content;
  return file;
}

ServerProcess::ServerProcess(std::string name, std::vector<std::string> argv, uint16_t port,
                             std::string log_path)
    : name_(std::move(name)), argv_(std::move(argv)), port_(port), log_path_(std::move(log_path)) {}

ServerProcess::~ServerProcess() { Stop(); }

::testing::AssertionResult ServerProcess::Start(milliseconds ready_timeout) {
  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  SpawnOptions options;
  options.stdout_fd = log_fd;
  options.stderr_fd = log_fd;
  pid_ = Spawn(argv_, options);
  if (log_fd >= 0) close(log_fd);
  if (pid_ <= 0) return ::testing::AssertionFailure() << "cannot spawn " << argv_[0];
  const auto deadline = Clock::now() + ready_timeout;
  while (Clock::now() < deadline) {
    const int code = WaitForExit(pid_, milliseconds(0));
    if (code != kTimedOut) {
      pid_ = -1;
      return ::testing::AssertionFailure()
             << name_ << " exited with " << code << " before ready; log:\n"
             << Tail(Log());
    }
    if (Get("/-/ready").status == 200) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(milliseconds(100));
  }
  return ::testing::AssertionFailure() << name_ << " not ready on port " << port_ << " within "
                                       << ready_timeout.count() << " ms; log:\n"
                                       << Tail(Log());
}

void ServerProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  if (WaitForExit(pid_, seconds(10)) == kTimedOut) {
    kill(pid_, SIGKILL);
    WaitForExit(pid_, seconds(5));
  }
  pid_ = -1;
}

HttpResponse ServerProcess::Get(const std::string& path) const {
  return Scrape(port_, path, kLoopback4, seconds(5));
}

std::string ServerProcess::Log() const { return ReadFile(log_path_); }

AlertingStack::AlertingStack(std::string rules_file)
    : rules_file_(std::move(rules_file)), dir_("se-e2e") {}

AlertingStack::~AlertingStack() {
  prometheus_.reset();
  alertmanager_.reset();
  webhook_.reset();
}

::testing::AssertionResult AlertingStack::Start(uint16_t exporter_port, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (access(rules_file_.c_str(), R_OK) != 0)
    return ::testing::AssertionFailure() << "alert rules file missing: " << rules_file_;
  webhook_ = std::make_unique<WebhookReceiver>();
  ::testing::AssertionResult started = StartAlertmanager(deadline);
  if (!started) return started;
  started = StartPrometheus(exporter_port, deadline);
  if (!started) return started;
  return WaitUntilWired(deadline);
}

::testing::AssertionResult AlertingStack::StartAlertmanager(Clock::time_point deadline) {
  const uint16_t port = PickFreePort();
  const std::string config = dir_.WriteFile(
      "alertmanager.yml", Fill(kAlertmanagerConfig, {{"webhook_url", webhook_->Url()}}));
  alertmanager_ = std::make_unique<ServerProcess>(
      "alertmanager",
      std::vector<std::string>{kAlertmanagerBinary, "--config.file=" + config,
                               "--storage.path=" + dir_.path() + "/alertmanager-data",
                               "--web.listen-address=127.0.0.1:" + std::to_string(port),
                               "--cluster.listen-address="},
      port, dir_.path() + "/alertmanager.log");
  return alertmanager_->Start(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

::testing::AssertionResult AlertingStack::StartPrometheus(uint16_t exporter_port,
                                                          Clock::time_point deadline) {
  const uint16_t port = PickFreePort();
  const std::string config = dir_.WriteFile(
      "prometheus.yml",
      Fill(kPrometheusConfig, {{"rules_file", rules_file_},
                               {"alertmanager_port", std::to_string(alertmanager_->port())},
                               {"exporter_port", std::to_string(exporter_port)}}));
  prometheus_ = std::make_unique<ServerProcess>(
      "prometheus",
      std::vector<std::string>{kPrometheusBinary, "--config.file=" + config,
                               "--storage.tsdb.path=" + dir_.path() + "/prometheus-data",
                               "--web.listen-address=127.0.0.1:" + std::to_string(port),
                               // Firing alerts reach a just-discovered Alertmanager at once.
                               "--rules.alert.resend-delay=1s"},
      port, dir_.path() + "/prometheus.log");
  return prometheus_->Start(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

::testing::AssertionResult AlertingStack::WaitUntilWired(Clock::time_point deadline) const {
  bool scraped = false, notifier_ready = false;
  std::string error;
  while (Clock::now() < deadline) {
    scraped = scraped || Query("up{job=\"socket_exporter\"}") == 1.0;
    Json data;
    if (!notifier_ready && ApiData(prometheus_->Get("/api/v1/alertmanagers"), &data, &error))
      notifier_ready = !data["activeAlertmanagers"].Items().empty();
    if (scraped && notifier_ready) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(milliseconds(200));
  }
  return ::testing::AssertionFailure()
         << "Prometheus " << (scraped ? "scraped the exporter" : "never scraped the exporter")
         << " and " << (notifier_ready ? "found" : "never found") << " the Alertmanager before the"
         << " deadline " << error << "\n"
         << Describe();
}

::testing::AssertionResult AlertingStack::PrometheusAlerts(
    std::vector<PrometheusAlert>* out) const {
  Json data;
  std::string error;
  if (!ApiData(prometheus_->Get("/api/v1/alerts"), &data, &error))
    return ::testing::AssertionFailure() << "GET /api/v1/alerts: " << error;
  out->clear();
  for (const Json& a : data["alerts"].Items())
    out->push_back({a["state"].Text(), a["labels"].StringMap()});
  return ::testing::AssertionSuccess();
}

std::optional<double> AlertingStack::Query(const std::string& promql) const {
  Json data;
  std::string error;
  if (!ApiData(prometheus_->Get("/api/v1/query?query=" + UrlEncode(promql)), &data, &error))
    return std::nullopt;
  const std::vector<Json>& result = data["result"].Items();
  if (result.empty() || result[0]["value"].Items().size() != 2) return std::nullopt;
  return std::strtod(result[0]["value"].Items()[1].Text().c_str(), nullptr);
}

std::set<std::string> AlertingStack::AlertRuleNames() const {
  std::set<std::string> names;
  Json data;
  std::string error;
  if (!ApiData(prometheus_->Get("/api/v1/rules?type=alert"), &data, &error)) return names;
  for (const Json& group : data["groups"].Items()) {
    for (const Json& rule : group["rules"].Items()) names.insert(rule["name"].Text());
  }
  return names;
}

std::string AlertingStack::Describe() const {
  std::ostringstream out;
  std::vector<PrometheusAlert> alerts;
  if (prometheus_ != nullptr) {
    const ::testing::AssertionResult got = PrometheusAlerts(&alerts);
    out << "Prometheus alerts: " << (got ? FormatAlerts(alerts) : got.message()) << "\n";
  }
  if (webhook_ != nullptr) out << "webhook: " << webhook_->Describe();
  if (alertmanager_ != nullptr) out << "alertmanager log:\n" << Tail(alertmanager_->Log()) << "\n";
  if (prometheus_ != nullptr) out << "prometheus log:\n" << Tail(prometheus_->Log()) << "\n";
  return out.str();
}

std::string FormatAlerts(const std::vector<PrometheusAlert>& alerts) {
  if (alerts.empty()) return "none";
  std::string out;
  for (const PrometheusAlert& a : alerts) out += "\n  " + a.state + " " + FormatLabels(a.labels);
  return out;
}

}  // namespace se::test
