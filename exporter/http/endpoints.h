#pragma once

#include <optional>
#include <string>

namespace se {

// What the server serves; the daemon implements it.
class HttpEndpoints {
 public:
  virtual ~HttpEndpoints() = default;
  // The Prometheus text exposition of one scrape; nullopt while shutting down (503).
  virtual std::optional<std::string> Metrics() = 0;
  // The JSON bodies of /api/v1/ports, /history and /findings (docs/api.md); nullopt while
  // shutting down (503).
  virtual std::optional<std::string> Ports() = 0;
  virtual std::optional<std::string> History() = 0;
  virtual std::optional<std::string> Findings() = 0;
  // /-/ready answers 200 once true.
  virtual bool Ready() const = 0;
};

}  // namespace se
