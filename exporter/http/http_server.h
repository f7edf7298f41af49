#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "config/options.h"
#include "config/web_config.h"
#include "http/endpoints.h"
#include "net/unique_fd.h"

namespace se {

class SharedScrape;
class WorkerPool;

// Bounds on what clients may hold (docs/http.md).
struct HttpLimits {
  unsigned max_connections = kDefaultWebMaxConnections;
  unsigned max_connections_per_client = kDefaultWebMaxConnectionsPerClient;  // 0 = no limit
  unsigned idle_timeout_s = kDefaultWebIdleTimeoutSeconds;
  size_t max_request_bytes = kDefaultWebMaxRequestBytes;
};

// Everything a serving instance needs; Reconfigure swaps it as a whole.
struct HttpConfig {
  std::string telemetry_path = "/metrics";
  HttpLimits limits;
  WebConfig web;  // TLS, basic auth users, extra headers (--web.config.file)
};

// The HTTP settings of the flags plus a loaded --web.config.file.
HttpConfig HttpConfigFor(const Options& options, WebConfig web);

// libmicrohttpd serving /metrics, the live page with its assets and JSON API, /-/healthy and
// /-/ready: one epoll event thread that never blocks, and a small worker pool for the scrape,
// the JSON API and password checks (their connections are suspended meanwhile). Concurrent
// scrapes share one render (SharedScrape) and get it gzipped when they accept gzip.
class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (no thread yet, so it can run before privileges are dropped); port() is
  // valid afterwards. False with a one-line *error (busy or malformed address).
  bool Listen(const std::string& listen_address, std::string* error);
  // Starts serving on the socket of Listen; false with a one-line *error (e.g. bad TLS keys).
  bool Serve(const HttpConfig& config, HttpEndpoints* endpoints, std::string* error);
  // Serves with a new config from now on: the new instance starts on the same socket before
  // the old one stops, so a bad config leaves the old one serving (false, one-line *error).
  bool Reconfigure(const HttpConfig& config, std::string* error);
  void Stop();
  uint16_t port() const { return port_; }

  struct Instance;  // one libmicrohttpd daemon with its config (http_server.cc)

 private:
  std::unique_ptr<Instance> StartInstance(const HttpConfig& config, std::string* error);
  // drain: let the connections it accepted finish first (a reload); not at shutdown.
  static void StopInstance(std::unique_ptr<Instance> instance, bool drain);

  std::mutex mu_;                          // guards current_ against Reconfigure and Stop racing
  std::unique_ptr<SharedScrape> scrapes_;  // renders on pool_, so declared (and outlives it) first
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<Instance> current_;
  HttpEndpoints* endpoints_ = nullptr;
  UniqueFd listen_fd_;
  std::string listen_address_;
  uint16_t port_ = 0;
  uint64_t nofile_ = 0;  // RLIMIT_NOFILE as raised by Listen (the sandbox forbids reading it later)
};

}  // namespace se
