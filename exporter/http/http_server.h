#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

struct mg_context;
struct mg_connection;

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

// civetweb serving /metrics, the live page with its assets and JSON API, /-/healthy and
// /-/ready.
class HttpServer {
 public:
  HttpServer() = default;
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; false with a one-line *error (busy or malformed address).
  bool Start(const std::string& listen_address, const std::string& telemetry_path,
             HttpEndpoints* endpoints, std::string* error);
  void Stop();
  uint16_t port() const { return port_; }

 private:
  static int HandleMetrics(mg_connection* conn, void* self);
  static int HandleLanding(mg_connection* conn, void* self);
  static int HandleAsset(mg_connection* conn, void* self);
  static int HandleApi(mg_connection* conn, void* self);
  static int HandleHealthy(mg_connection* conn, void* self);
  static int HandleReady(mg_connection* conn, void* self);

  mg_context* ctx_ = nullptr;
  HttpEndpoints* endpoints_ = nullptr;
  std::string telemetry_path_;
  uint16_t port_ = 0;
};

}  // namespace se
