#include "harness/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "harness/traffic.h"

namespace se::test {
namespace {

// Reads until EOF or the deadline; false on error or timeout.
bool ReadAll(int fd, std::chrono::steady_clock::time_point deadline, std::string* out) {
  char buf[16384];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
  }
}

// Decodes a chunked body; returns the input unchanged if it is malformed.
std::string Dechunk(const std::string& body) {
  std::string out;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t eol = body.find("\r\n", pos);
    if (eol == std::string::npos) return body;
    const size_t len = std::strtoul(body.substr(pos, eol - pos).c_str(), nullptr, 16);
    if (len == 0) return out;
    if (eol + 2 + len > body.size()) return body;
    out.append(body, eol + 2, len);
    pos = eol + 2 + len + 2;
  }
  return out;
}

void ParseResponse(const std::string& raw, HttpResponse* response) {
  const size_t split = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || split == std::string::npos) {
    response->error = "malformed response: " + raw.substr(0, 200);
    return;
  }
  const size_t space = raw.find(' ');
  response->status = std::atoi(raw.c_str() + space + 1);
  response->headers = raw.substr(0, split);
  response->body = raw.substr(split + 4);
  std::string lower = response->headers;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("transfer-encoding: chunked") != std::string::npos)
    response->body = Dechunk(response->body);
}

}  // namespace

HttpResponse Scrape(uint16_t port, const std::string& path, const std::string& host,
                    std::chrono::milliseconds timeout) {
  return Request(port, "GET", path, host, timeout);
}

HttpResponse Request(uint16_t port, const std::string& method, const std::string& path,
                     const std::string& host, std::chrono::milliseconds timeout) {
  HttpResponse response;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ConnectResult conn = ConnectTcp(Endpoint{host, port}, timeout);
  if (!conn.fd.valid()) {
    response.error =
        "connect " + host + ":" + std::to_string(port) + ": " + std::strerror(conn.error);
    return response;
  }
  const std::string request = method + " " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
  if (!WriteAll(conn.fd.get(), request)) {
    response.error = "write failed";
    return response;
  }
  std::string raw;
  if (!ReadAll(conn.fd.get(), deadline, &raw)) {
    response.error = "read failed or timed out after " + std::to_string(raw.size()) + " bytes";
    return response;
  }
  ParseResponse(raw, &response);
  return response;
}

RawReply RawExchange(uint16_t port, const std::string& raw, std::chrono::milliseconds timeout,
                     const std::string& host) {
  RawReply reply;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ConnectResult conn = ConnectTcp(Endpoint{host, port}, timeout);
  if (!conn.fd.valid()) return reply;
  WriteAll(conn.fd.get(), raw);  // the server may close before taking it all
  char buf[16384];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return reply;
    pollfd p{conn.fd.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = read(conn.fd.get(), buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      reply.closed = true;
      return reply;
    }
    reply.data.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace se::test
