// Minimal HTTP/1.0 client over a plain socket, so scrapes depend on nothing but the kernel.
#ifndef SE_TEST_HARNESS_HTTP_CLIENT_H_
#define SE_TEST_HARNESS_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace se::test {

struct HttpResponse {
  int status = 0;       // 0 when no valid response arrived
  std::string headers;  // raw header block, lower-cased names not guaranteed
  std::string body;
  std::string error;  // why status is 0
};

// GET http://host:port/path; the socket is created in the calling thread's network namespace.
HttpResponse Scrape(uint16_t port, const std::string& path, const std::string& host = "127.0.0.1",
                    std::chrono::milliseconds timeout = std::chrono::seconds(5));
// The same with any method (HEAD, ...).
HttpResponse Request(uint16_t port, const std::string& method, const std::string& path,
                     const std::string& host = "127.0.0.1",
                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

// What a raw exchange brought back: every byte until the server closed, or until the timeout.
struct RawReply {
  std::string data;
  bool closed = false;  // the server closed the connection (EOF or reset) within the timeout
};
// Sends `raw` exactly as given on a new connection and reads until the server closes it or the
// timeout passes: for malformed, pipelined or smuggling requests.
RawReply RawExchange(uint16_t port, const std::string& raw, std::chrono::milliseconds timeout,
                     const std::string& host = "127.0.0.1");

}  // namespace se::test

#endif  // SE_TEST_HARNESS_HTTP_CLIENT_H_
