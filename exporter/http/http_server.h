#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

struct mg_context;
struct mg_connection;

namespace se {

struct HttpRoutes {
  std::string telemetry_path = "/metrics";
  // Prometheus text exposition; nullopt while shutting down (answered with 503).
  std::function<std::optional<std::string>()> render_metrics;
  std::function<bool()> ready;  // /-/ready answers 200 once true
};

// civetweb serving /metrics, the landing page, /-/healthy and /-/ready.
class HttpServer {
 public:
  HttpServer() = default;
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; false with a one-line *error (busy or malformed address).
  bool Start(const std::string& listen_address, HttpRoutes routes, std::string* error);
  void Stop();
  uint16_t port() const { return port_; }

 private:
  static int HandleMetrics(mg_connection* conn, void* self);
  static int HandleLanding(mg_connection* conn, void* self);
  static int HandleHealthy(mg_connection* conn, void* self);
  static int HandleReady(mg_connection* conn, void* self);

  mg_context* ctx_ = nullptr;
  HttpRoutes routes_;
  uint16_t port_ = 0;
};

}  // namespace se
