// An Alertmanager webhook receiver inside the test process: an HTTP server on 127.0.0.1 that
// keeps every notification POSTed to it, parsed, for the test to wait on and inspect.
#ifndef SE_TEST_E2E_WEBHOOK_H_
#define SE_TEST_E2E_WEBHOOK_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/metrics_text.h"
#include "harness/traffic.h"

namespace se::test {

using Clock = std::chrono::steady_clock;

// One alert of a notification.
struct NotifiedAlert {
  std::string status;  // "firing" or "resolved"
  Labels labels;       // alertname and every other label of the alert
};

// One webhook POST from Alertmanager.
struct Notification {
  std::string status;  // of the group: "firing" while any alert in it fires
  std::vector<NotifiedAlert> alerts;
  Clock::time_point received;
};

class WebhookReceiver {
 public:
  // Listens on a free port of 127.0.0.1 in the calling thread's namespace and serves on a
  // thread of its own; throws std::runtime_error if it cannot listen.
  WebhookReceiver();
  ~WebhookReceiver();  // stops serving and joins the thread
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string Url() const;

  std::vector<Notification> Notifications() const;
  // Distinct alertname labels of every alert notified so far.
  std::set<std::string> AlertNames() const;
  // Waits until an alert for which match() holds has been notified, at most until deadline;
  // returns it and sets *received to the arrival of its notification.
  std::optional<NotifiedAlert> WaitForAlert(const std::function<bool(const NotifiedAlert&)>& match,
                                            Clock::time_point deadline,
                                            Clock::time_point* received = nullptr) const;
  // Requests that could not be read or parsed, each with the reason.
  std::vector<std::string> Errors() const;
  // Every notification so far, one alert per line, for failure messages.
  std::string Describe() const;

 private:
  void Serve();
  void HandleConnection(int fd);
  void Record(const std::string& body);

  UniqueFd listener_;
  uint16_t port_ = 0;
  UniqueFd stop_read_, stop_write_;  // a pipe: writing to it ends Serve()
  mutable std::mutex mu_;
  mutable std::condition_variable arrived_;
  std::vector<Notification> notifications_;
  std::vector<std::string> errors_;
  std::thread worker_;
};

// Matches an alert by name and status.
std::function<bool(const NotifiedAlert&)> AlertIs(const std::string& alertname,
                                                  const std::string& status = "firing");

}  // namespace se::test

#endif  // SE_TEST_E2E_WEBHOOK_H_
