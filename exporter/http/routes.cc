#include "http/routes.h"

#include <optional>

#include "http/assets.h"

namespace se {
namespace {

constexpr const char* kMetricsType = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr const char* kCacheAssets = "public, max-age=86400";  // they change only with the binary

Reply Text(int status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply Json(int status, std::string body) {
  Reply r = Text(status, std::move(body));
  r.content_type = kJsonType;
  return r;
}

Reply Landing(const std::string& telemetry_path) {
  const Asset* page = FindAsset("index.html");
  if (!page) return Text(404, "Not found\n");
  // The page links the metrics at --web.telemetry-path, which only the server knows.
  std::string html(reinterpret_cast<const char*>(page->data), page->size);
  const std::string placeholder = "@TELEMETRY_PATH@";
  const std::string path = HtmlEscape(telemetry_path);
  for (size_t at; (at = html.find(placeholder)) != std::string::npos;)
    html.replace(at, placeholder.size(), path);
  Reply r = Text(200, std::move(html));
  r.content_type = page->content_type;
  r.html = true;
  return r;
}

Reply Api(const std::string& path, HttpEndpoints* endpoints) {
  std::optional<std::string> body;
  if (path == "/api/v1/ports") {
    body = endpoints->Ports();
  } else if (path == "/api/v1/history") {
    body = endpoints->History();
  } else if (path == "/api/v1/findings") {
    body = endpoints->Findings();
  } else {
    return Json(404, "{\"error\":\"not found\"}\n");
  }
  if (!body) return Json(503, "{\"error\":\"shutting down\"}\n");
  return Json(200, std::move(*body));
}

}  // namespace

bool RefuseRequest(const RequestHead& head, Reply* reply) {
  if (head.method != "GET" && head.method != "HEAD") {
    *reply = Text(405, "Method not allowed: only GET and HEAD\n");
    reply->headers.emplace_back("Allow", "GET, HEAD");
    reply->close = head.has_content_length || head.has_transfer_encoding;
    return true;
  }
  if (head.has_content_length && head.has_transfer_encoding) {
    // Two framings: a proxy in front may read the body differently (request smuggling).
    *reply = Text(400, "Bad request: both Content-Length and Transfer-Encoding\n");
    reply->close = true;
    return true;
  }
  if (head.nonzero_content_length || head.has_transfer_encoding) {
    *reply = Text(400, "Bad request: GET and HEAD take no body\n");
    reply->close = true;
    return true;
  }
  return false;
}

bool NeedsWorker(const std::string& path, const std::string& telemetry_path) {
  return path == telemetry_path || path.rfind("/api/", 0) == 0;
}

Reply Route(const std::string& path, const std::string& telemetry_path, HttpEndpoints* endpoints) {
  if (path == "/") return Landing(telemetry_path);
  if (path == "/-/healthy") return Text(200, "OK\n");
  if (path == "/-/ready") {
    if (endpoints->Ready()) return Text(200, "Ready\n");
    return Text(503, "Not ready: probes are not attached yet\n");
  }
  if (path.rfind("/api/", 0) == 0) return Api(path, endpoints);
  const std::string assets = "/assets/";
  if (path.rfind(assets, 0) == 0) {
    const Asset* a = FindAsset(path.substr(assets.size()));
    if (a) {
      Reply r;
      r.content_type = a->content_type;
      r.cache = kCacheAssets;
      r.static_body = a->data;
      r.static_size = a->size;
      return r;
    }
  }
  return Text(404, "Not found\n");
}

Reply MetricsReply(const ScrapeResult& result, bool gzip) {
  if (result.busy) return Busy();
  if (!result.body) return Text(503, "Shutting down\n");
  Reply r;
  r.content_type = kMetricsType;
  r.headers.emplace_back("Vary", "Accept-Encoding");  // caches must not mix the two encodings
  if (gzip && result.gzip) {
    r.shared_body = result.gzip;
    r.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    r.shared_body = result.body;
  }
  return r;
}

Reply Busy() { return Text(503, "Busy: too many requests in progress\n"); }

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

}  // namespace se
