#include "http/http_server.h"

#include <civetweb.h>

#include <mutex>
#include <string>

#include "config/listen_address.h"
#include "http/assets.h"
#include "logging/log.h"

namespace se {
namespace {

constexpr const char* kMetricsType = "text/plain; version=0.0.4; charset=utf-8";

constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr const char* kNoStore = "no-store";
constexpr const char* kCacheAssets = "public, max-age=86400";  // they change only with the binary

int ReplyBytes(mg_connection* conn, int status, const char* type, const char* cache,
               const void* body, size_t size) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: %s\r\nX-Content-Type-Options: nosniff\r\n\r\n",
            status, mg_get_response_code_text(conn, status), type, size, cache);
  const auto* req = mg_get_request_info(conn);
  if (std::string(req->request_method) != "HEAD") mg_write(conn, body, size);
  return status;
}

int Reply(mg_connection* conn, int status, const char* type, const std::string& body) {
  return ReplyBytes(conn, status, type, kNoStore, body.data(), body.size());
}

// For text inside an HTML attribute or element.
std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

int NotFound(mg_connection* conn) {
  return Reply(conn, 404, "text/plain; charset=utf-8", "Not found\n");
}

// civetweb's own messages (e.g. why a bind failed) go to the debug log.
int CaptureLog(const mg_connection*, const char* message) {
  log::Debug("civetweb", {{"detail", message}});
  return 1;
}

std::once_flag g_init_once;

}  // namespace

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Start(const std::string& listen_address, const std::string& telemetry_path,
                       HttpEndpoints* endpoints, std::string* error) {
  ListenAddress addr;
  if (!ParseListenAddress(listen_address, &addr, error)) return false;
  if (!CheckBindable(addr, listen_address, error)) return false;
  std::call_once(g_init_once, [] { mg_init_library(0); });
  endpoints_ = endpoints;
  telemetry_path_ = telemetry_path;
  const std::string ports = CivetwebPorts(addr, mg_check_feature(8) != 0);
  const char* options[] = {
      "listening_ports", ports.c_str(),       "num_threads", "4",    "request_timeout_ms",
      "10000",           "enable_keep_alive", "yes",         nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = CaptureLog;
  ctx_ = mg_start(&callbacks, this, options);
  if (!ctx_) {
    *error = "--web.listen-address=" + listen_address + ": cannot listen (see --log.level=debug)";
    return false;
  }
  mg_server_port sp[4];
  const int n = mg_get_server_ports(ctx_, 4, sp);
  port_ = n > 0 ? static_cast<uint16_t>(sp[0].port) : addr.port;
  mg_set_request_handler(ctx_, (telemetry_path_ + "$").c_str(), HandleMetrics, this);
  mg_set_request_handler(ctx_, "/$", HandleLanding, this);
  mg_set_request_handler(ctx_, "/assets/", HandleAsset, this);
  mg_set_request_handler(ctx_, "/api/", HandleApi, this);
  mg_set_request_handler(ctx_, "/-/healthy$", HandleHealthy, this);
  mg_set_request_handler(ctx_, "/-/ready$", HandleReady, this);
  log::Info("listening", {{"address", listen_address}, {"port", std::to_string(port_)}});
  return true;
}

void HttpServer::Stop() {
  if (ctx_) mg_stop(ctx_);
  ctx_ = nullptr;
}

int HttpServer::HandleMetrics(mg_connection* conn, void* self) {
  auto* s = static_cast<HttpServer*>(self);
  const std::optional<std::string> body = s->endpoints_->Metrics();
  if (!body) return Reply(conn, 503, "text/plain; charset=utf-8", "Shutting down\n");
  return Reply(conn, 200, kMetricsType, *body);
}

int HttpServer::HandleLanding(mg_connection* conn, void* self) {
  auto* s = static_cast<HttpServer*>(self);
  const Asset* page = FindAsset("index.html");
  if (!page) return NotFound(conn);
  // The page links the metrics at --web.telemetry-path, which only the server knows.
  std::string html(reinterpret_cast<const char*>(page->data), page->size);
  const std::string placeholder = "@TELEMETRY_PATH@";
  const std::string path = HtmlEscape(s->telemetry_path_);
  for (size_t at; (at = html.find(placeholder)) != std::string::npos;)
    html.replace(at, placeholder.size(), path);
  return Reply(conn, 200, page->content_type, html);
}

int HttpServer::HandleAsset(mg_connection* conn, void*) {
  const std::string uri = mg_get_request_info(conn)->local_uri;
  const Asset* a = FindAsset(uri.substr(std::string("/assets/").size()));
  if (!a) return NotFound(conn);
  return ReplyBytes(conn, 200, a->content_type, kCacheAssets, a->data, a->size);
}

int HttpServer::HandleApi(mg_connection* conn, void* self) {
  auto* s = static_cast<HttpServer*>(self);
  const std::string uri = mg_get_request_info(conn)->local_uri;
  std::optional<std::string> body;
  if (uri == "/api/v1/ports") {
    body = s->endpoints_->Ports();
  } else if (uri == "/api/v1/history") {
    body = s->endpoints_->History();
  } else if (uri == "/api/v1/findings") {
    body = s->endpoints_->Findings();
  } else {
    return Reply(conn, 404, kJsonType, "{\"error\":\"not found\"}\n");
  }
  if (!body) return Reply(conn, 503, kJsonType, "{\"error\":\"shutting down\"}\n");
  return Reply(conn, 200, kJsonType, *body);
}

int HttpServer::HandleHealthy(mg_connection* conn, void*) {
  return Reply(conn, 200, "text/plain; charset=utf-8", "OK\n");
}

int HttpServer::HandleReady(mg_connection* conn, void* self) {
  auto* s = static_cast<HttpServer*>(self);
  if (s->endpoints_->Ready()) return Reply(conn, 200, "text/plain", "Ready\n");
  return Reply(conn, 503, "text/plain; charset=utf-8", "Not ready: probes are not attached yet\n");
}

}  // namespace se
