// What the HTTP server accepts and answers: only GET and HEAD, no request bodies, no two
// framings (smuggling), no echo of malformed input, the security headers, the validated
// telemetry path, and IPv6 and dual-stack listen addresses.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/bpf_programs.h"
#include "harness/command.h"
#include "harness/exporter_process.h"
#include "harness/http_client.h"

namespace se::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kCsp[] =
    "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'\r\n";

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

int StatusLines(const std::string& data) {
  int n = 0;
  for (size_t at = 0; (at = data.find("HTTP/1.1 ", at)) != std::string::npos; ++at) ++n;
  return n;
}

class HttpProtocolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    exporter_ = new ExporterProcess({});
    ASSERT_TRUE(exporter_->Start());
  }
  static void TearDownTestSuite() {
    delete exporter_;
    exporter_ = nullptr;
  }
  static uint16_t port() { return exporter_->port(); }
  static ExporterProcess* exporter_;
};
ExporterProcess* HttpProtocolTest::exporter_ = nullptr;

TEST_F(HttpProtocolTest, MethodsOtherThanGetAndHeadGet405WithAllow) {
  for (const std::string method : {"POST", "PUT", "DELETE", "PROPFIND", "OPTIONS", "PATCH"}) {
    for (const std::string path : {"/metrics", "/", "/-/healthy"}) {
      const HttpResponse r = Request(port(), method, path);
      EXPECT_EQ(r.status, 405) << method << " " << path;
      EXPECT_TRUE(Has(r.headers, "\r\nAllow: GET, HEAD")) << method << " " << path << r.headers;
    }
  }
}

TEST_F(HttpProtocolTest, HeadHasTheHeadersOfGetAndNoBody) {
  for (const std::string path : {"/metrics", "/", "/-/healthy", "/assets/live.js"}) {
    const HttpResponse r = Request(port(), "HEAD", path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_TRUE(Has(r.headers, "\r\nContent-Length: ")) << path << r.headers;
    EXPECT_FALSE(Has(r.headers, "\r\nContent-Length: 0\r")) << path << r.headers;
    EXPECT_TRUE(r.body.empty()) << path;
  }
}

TEST_F(HttpProtocolTest, ContentLengthWithTransferEncodingIs400AndNothingBehindItIsServed) {
  const std::string smuggled =
      "GET /-/healthy HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
      "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  const RawReply r = RawExchange(port(), smuggled, seconds(3));
  EXPECT_EQ(r.data.substr(0, 12), "HTTP/1.1 400") << r.data;
  EXPECT_EQ(StatusLines(r.data), 1) << r.data;
  EXPECT_FALSE(Has(r.data, "socket_exporter_")) << "the smuggled scrape was answered";
  EXPECT_TRUE(r.closed);
}

TEST_F(HttpProtocolTest, RequestBodiesAreRefusedWithoutWaitingForThem) {
  const std::vector<std::string> heads = {
      "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n",
  };
  for (const auto& head : heads) {
    const auto start = std::chrono::steady_clock::now();
    const RawReply r = RawExchange(port(), head, seconds(3));
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(1)) << head;
    EXPECT_EQ(r.data.substr(0, 12), "HTTP/1.1 400") << head << r.data;
    EXPECT_FALSE(Has(r.data, "100 Continue")) << head;
    EXPECT_TRUE(r.closed) << head;
  }
}

TEST_F(HttpProtocolTest, MalformedRequestLinesAreNotEchoed) {
  const std::vector<std::string> lines = {
      "GET /" + std::string(3000, 'A') + " TOKTWO TOKTHREE TOKFOUR HTTP/1.1",
      "GET /<script>TOKXSS</script> extra HTTP/1.1",
      "TOKMETHOD<b> /x HTTP/1.1",
      "GET /\"><img src=x onerror=TOKIMG> HTTP/1.1",
  };
  for (const auto& line : lines) {
    const RawReply r = RawExchange(port(), line + "\r\nHost: x\r\n\r\n", seconds(3));
    // Refused with a 4xx, or (spaces inside the target) closed without a word.
    EXPECT_TRUE(r.data.empty() || r.data.compare(0, 10, "HTTP/1.1 4") == 0) << line << r.data;
    EXPECT_TRUE(r.closed || !r.data.empty()) << line;
    EXPECT_FALSE(Has(r.data, "TOK")) << line << "\n" << r.data.substr(0, 400);
    EXPECT_FALSE(Has(r.data, "AAAA")) << line;
    EXPECT_FALSE(Has(r.data, "<script>")) << line;
  }
}

TEST_F(HttpProtocolTest, EveryResponseHasNosniffAndTheLandingPageACsp) {
  for (const std::string path : {"/", "/metrics", "/-/healthy", "/-/ready", "/assets/live.js",
                                 "/api/v1/ports", "/api/v1/nothing", "/nothing"}) {
    const HttpResponse r = Request(port(), "GET", path);
    EXPECT_NE(r.status, 0) << path << r.error;
    EXPECT_TRUE(Has(r.headers, "\r\nX-Content-Type-Options: nosniff")) << path << r.headers;
  }
  EXPECT_TRUE(Has(Request(port(), "POST", "/").headers, "X-Content-Type-Options: nosniff"));
  const HttpResponse landing = Request(port(), "GET", "/");
  EXPECT_TRUE(Has(landing.headers + "\r\n", std::string("\r\n") + kCsp)) << landing.headers;
  EXPECT_FALSE(Has(landing.body, "<script>")) << "inline script in the landing page";
  EXPECT_FALSE(Has(landing.body, "<style")) << "inline style in the landing page";
  EXPECT_FALSE(Has(landing.body, " style=")) << "inline style attribute in the landing page";
}

TEST(HttpTelemetryPathTest, NonLiteralOrReservedPathsAreRejectedAtStart) {
  for (const std::string bad : {"/**", "/m\"><script>", "/metrics?x", "/api/x", "//m", "/m#x",
                                "/m%41", "/assets/m", "/-/ready", "/", "metrics", "/m$"}) {
    SCOPED_TRACE(bad);
    const std::set<uint32_t> baseline = BpfProgramIds();
    const CommandResult r =
        RunExporterToExit({"--web.listen-address=127.0.0.1:" + std::to_string(PickFreePort()),
                           "--web.telemetry-path=" + bad},
                          seconds(10));
    ASSERT_FALSE(r.timed_out());
    EXPECT_NE(r.exit_code, 0);
    const std::vector<std::string> lines = NonEmptyLines(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_TRUE(Has(lines[0], "--web.telemetry-path=")) << lines[0];
    EXPECT_TRUE(Has(lines[0], "letters, digits and -._~/")) << lines[0];
    EXPECT_TRUE(OrphanedProgramsSince(baseline, seconds(3)).empty());
  }
}

TEST(HttpTelemetryPathTest, CustomPathIsServedByExactMatchOnly) {
  ExporterProcess exporter({"--web.telemetry-path=/custom/metrics"});
  ASSERT_TRUE(exporter.Start());
  const HttpResponse m = exporter.Get("/custom/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_TRUE(Has(m.body, "socket_exporter_")) << m.body.substr(0, 200);
  EXPECT_EQ(exporter.Get("/custom/metrics/x").status, 404);
  EXPECT_EQ(exporter.Get("/custom/metricsx").status, 404);
  EXPECT_EQ(exporter.Get("/metrics").status, 404);
  EXPECT_TRUE(Has(exporter.Get("/").body, "href=\"./custom/metrics\""));
}

// The exporter on `address` (the harness always listens on 127.0.0.1), ready on `probe_host`.
pid_t StartOn(const std::string& address, uint16_t port, const std::string& probe_host) {
  const pid_t pid = Spawn({ExporterBinary(), "--web.listen-address=" + address}, {});
  for (int i = 0; i < 200 && pid > 0; ++i) {
    if (Request(port, "GET", "/-/ready", probe_host, seconds(1)).status == 200) return pid;
    if (WaitForExit(pid, milliseconds(50)) != kTimedOut) return -1;
  }
  return pid;
}

void StopExporter(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  if (WaitForExit(pid, seconds(10)) == kTimedOut) {
    kill(pid, SIGKILL);
    WaitForExit(pid, seconds(5));
  }
}

TEST(HttpListenTest, Ipv6LoopbackServesOverIpv6Only) {
  const uint16_t port = PickFreePort();
  const pid_t pid = StartOn("[::1]:" + std::to_string(port), port, "::1");
  ASSERT_GT(pid, 0);
  const HttpResponse r = Scrape(port, "/metrics", "::1");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(Scrape(port, "/-/healthy", "127.0.0.1", seconds(1)).status, 0);
  StopExporter(pid);
}

TEST(HttpListenTest, WildcardAddressesAreDualStack) {
  for (const std::string host : {"[::]", ""}) {
    SCOPED_TRACE(host);
    const uint16_t port = PickFreePort();
    const pid_t pid = StartOn(host + ":" + std::to_string(port), port, "::1");
    ASSERT_GT(pid, 0);
    EXPECT_EQ(Scrape(port, "/metrics", "::1").status, 200);
    EXPECT_EQ(Scrape(port, "/metrics", "127.0.0.1").status, 200);
    StopExporter(pid);
  }
}

TEST(HttpListenTest, Ipv4WildcardServesIpv4) {
  const uint16_t port = PickFreePort();
  const pid_t pid = StartOn("0.0.0.0:" + std::to_string(port), port, "127.0.0.1");
  ASSERT_GT(pid, 0);
  EXPECT_EQ(Scrape(port, "/metrics", "127.0.0.1").status, 200);
  StopExporter(pid);
}

}  // namespace
}  // namespace se::test
