#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/endpoints.h"
#include "http/shared_scrape.h"

namespace se {

// One response, built without MHD so routing stays a plain function of the request.
struct Reply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string cache = "no-store";
  std::string body;
  const unsigned char* static_body = nullptr;  // an embedded asset, served without a copy
  size_t static_size = 0;
  std::shared_ptr<const std::string> shared_body;  // a scrape's result, served without a copy
  bool html = false;                               // gets the Content-Security-Policy
  bool close = false;  // the connection is closed after it (unread body, smuggling attempt)
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Allow, WWW-Authenticate
};

// Served on every HTML page: the live view loads only its own files.
inline constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// What matters about a request before it is routed (from its headers).
struct RequestHead {
  std::string method;
  bool has_content_length = false;
  bool nonzero_content_length = false;  // a body of at least one byte announced
  bool has_transfer_encoding = false;
};

// The refusal for a request that must not be served (method, body, framing), if any.
bool RefuseRequest(const RequestHead& head, Reply* reply);

// Whether serving `path` calls into the daemon (a scrape or the JSON API): such requests run
// on the worker pool, everything else is answered on the event thread.
bool NeedsWorker(const std::string& path, const std::string& telemetry_path);

// The reply for a GET or HEAD of `path` (exact match, no patterns) other than the telemetry
// path, whose scrapes share renders (SharedScrape) and are answered by MetricsReply.
Reply Route(const std::string& path, const std::string& telemetry_path, HttpEndpoints* endpoints);

// The reply to a scrape from the render it shared; `gzip`: the client accepts gzip.
Reply MetricsReply(const ScrapeResult& result, bool gzip);

// 503 for a request that found the worker queue full.
Reply Busy();

std::string HtmlEscape(const std::string& text);

}  // namespace se
