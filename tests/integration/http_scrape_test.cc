// What a scrape gets on the wire: gzip when Accept-Encoding allows it (with Vary, on GET and
// HEAD alike, never on other routes), the same samples as an uncompressed scrape, and
// concurrent scrapers sharing renders: all answered, each render's bytes the same for all, and
// no scraper seeing a counter go down while traffic runs.
#include <gtest/gtest.h>
#include <strings.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness/command.h"
#include "harness/http_client.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using std::chrono::seconds;

constexpr char kAccepts[] = "socket_tcp_accepts_total";

struct Response {
  int status = 0;
  std::string headers;  // from the status line to the blank line, "\r\n" kept
  std::string body;     // as sent (compressed or not)
};

Response Split(const std::string& data) {
  Response r;
  const size_t end = data.find("\r\n\r\n");
  if (data.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return r;
  r.status = std::stoi(data.substr(9, 3));
  r.headers = data.substr(0, end + 2);
  r.body = data.substr(end + 4);
  return r;
}

// The value of header `name` (case-insensitive), or "" when absent.
std::string Header(const std::string& headers, const std::string& name) {
  for (size_t at = headers.find("\r\n"); at != std::string::npos;) {
    const size_t next = headers.find("\r\n", at + 2);
    const std::string line = headers.substr(at + 2, next - at - 2);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
      return line.substr(name.size() + 2);
    }
    at = next;
  }
  return "";
}

// One request on its own connection, with Accept-Encoding if `accept` is not empty.
Response Send(uint16_t port, const std::string& method, const std::string& path,
              const std::string& accept) {
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  if (!accept.empty()) request += "Accept-Encoding: " + accept + "\r\n";
  return Split(RawExchange(port, request + "\r\n", seconds(10)).data);
}

std::string Gunzip(const std::string& packed) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return "(inflateInit2 failed)";
  std::string out;
  char chunk[65536];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  z.avail_in = static_cast<uInt>(packed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof(chunk);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "(not gzip: zlib " + std::to_string(rc) + ")";
}

// Samples whose values do not move between two scrapes of a quiet namespace.
std::map<std::string, double> StableSamples(const ParsedMetrics& m) {
  static const std::vector<std::string> kMoving = {
      "socket_exporter_bpf_",  // the probes also run for other namespaces' traffic
      "socket_exporter_scrape_collector_duration_seconds",
      "socket_exporter_scrape_requests_total",
      "socket_exporter_scrape_renders_total",
  };
  std::map<std::string, double> out;
  for (const Sample& s : m.All()) {
    bool moving = false;
    for (const auto& prefix : kMoving) moving = moving || s.name.rfind(prefix, 0) == 0;
    if (!moving) out[s.name + FormatLabels(s.labels)] = s.value;
  }
  return out;
}

std::map<std::string, std::string> SeriesNames(const ParsedMetrics& m) {
  std::map<std::string, std::string> out;
  for (const Sample& s : m.All()) out[s.name + FormatLabels(s.labels)] = s.name;
  return out;
}

class HttpGzipTest : public NamespacedExporterTest {};

TEST_F(HttpGzipTest, CurlCompressedGetsGzipWithTheSameSamplesAsAPlainScrape) {
  ASSERT_TRUE(InPath("curl")) << "curl is required: apt-get install -y curl";
  ASSERT_TRUE(StartExporter());
  const std::string url = "http://127.0.0.1:" + std::to_string(exporter_->port()) + "/metrics";
  const CommandResult curl = RunCommand({"curl", "-sS", "--compressed", "-D", "-", url});
  ASSERT_EQ(curl.exit_code, 0) << curl.err;
  const Response zipped = Split(curl.out);  // curl has decompressed the body
  ASSERT_EQ(zipped.status, 200) << curl.out.substr(0, 300);
  EXPECT_EQ(Header(zipped.headers, "Content-Encoding"), "gzip") << zipped.headers;
  EXPECT_EQ(Header(zipped.headers, "Vary"), "Accept-Encoding") << zipped.headers;
  EXPECT_LT(std::stoul(Header(zipped.headers, "Content-Length")), zipped.body.size() / 3);

  const Response plain = Send(exporter_->port(), "GET", "/metrics", "");
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(Header(plain.headers, "Content-Encoding"), "") << plain.headers;
  EXPECT_EQ(Header(plain.headers, "Vary"), "Accept-Encoding") << plain.headers;
  EXPECT_EQ(std::stoul(Header(plain.headers, "Content-Length")), plain.body.size());

  const ParsedMetrics a = ParsedMetrics::Parse(zipped.body);
  const ParsedMetrics b = ParsedMetrics::Parse(plain.body);
  EXPECT_TRUE(a.Errors().empty()) << a.Errors().front();
  EXPECT_GT(a.All().size(), 30u);
  EXPECT_EQ(SeriesNames(a), SeriesNames(b));
  EXPECT_EQ(StableSamples(a), StableSamples(b));
  // Each render counts the scrapes received until it began: curl's, then also the plain one.
  const std::string requests = "socket_exporter_scrape_requests_total";
  EXPECT_EQ(a.Value(requests, {{"encoding", "gzip"}}), 1);
  EXPECT_EQ(a.Value(requests, {{"encoding", "identity"}}), 0);
  EXPECT_EQ(b.Value(requests, {{"encoding", "gzip"}}), 1);
  EXPECT_EQ(b.Value(requests, {{"encoding", "identity"}}), 1);
}

TEST_F(HttpGzipTest, QValuesDecideAndHeadGetsTheHeadersOfGet) {
  ASSERT_TRUE(StartExporter());
  const uint16_t port = exporter_->port();
  const std::map<std::string, std::string> encodings = {
      {"gzip", "gzip"}, {"GZIP;q=0.5", "gzip"}, {"*", "gzip"},    {"br, *;q=0.1", "gzip"},
      {"gzip;q=0", ""}, {"gzip;q=0, *", ""},    {"identity", ""}, {"br", ""},
      {"*;q=0", ""},
  };
  for (const auto& [accept, want] : encodings) {
    const Response r = Send(port, "GET", "/metrics", accept);
    ASSERT_EQ(r.status, 200) << accept;
    EXPECT_EQ(Header(r.headers, "Content-Encoding"), want) << accept;
    const std::string text = want.empty() ? r.body : Gunzip(r.body);
    EXPECT_TRUE(ParsedMetrics::Parse(text).Errors().empty())
        << accept << ": " << text.substr(0, 80);
    EXPECT_NE(text.find("# TYPE socket_exporter_build_info gauge\n"), std::string::npos) << accept;
  }
  const Response head = Send(port, "HEAD", "/metrics", "gzip");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(Header(head.headers, "Content-Encoding"), "gzip") << head.headers;
  EXPECT_EQ(Header(head.headers, "Vary"), "Accept-Encoding") << head.headers;
  EXPECT_EQ(Header(head.headers, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const Response get = Send(port, "GET", "/metrics", "gzip");
  const unsigned long head_length = std::stoul(Header(head.headers, "Content-Length"));
  EXPECT_EQ(std::stoul(Header(get.headers, "Content-Length")), get.body.size());
  EXPECT_GT(head_length, get.body.size() / 2);  // the compressed size, not the plain one
  EXPECT_LT(head_length, 2 * get.body.size());
  EXPECT_TRUE(head.body.empty());
}

TEST_F(HttpGzipTest, OtherRoutesStayUncompressed) {
  ASSERT_TRUE(StartExporter());
  for (const std::string path : {"/", "/-/healthy", "/-/ready", "/api/v1/ports", "/nope"}) {
    const Response r = Send(exporter_->port(), "GET", path, "gzip");
    EXPECT_NE(r.status, 0) << path;
    EXPECT_EQ(Header(r.headers, "Content-Encoding"), "") << path;
    EXPECT_EQ(Header(r.headers, "Vary"), "") << path;
  }
}

class HttpSharedScrapeTest : public NamespacedExporterTest {};

// 20 scrapers released at once, half asking for gzip: every one gets 200 and a valid exposition;
// scrapes that shared a render got the same text and the same compressed bytes, and the render
// count shows they shared.
TEST_F(HttpSharedScrapeTest, ConcurrentScrapersAreAllAnsweredAndShareRenders) {
  constexpr int kScrapers = 20;
  ASSERT_TRUE(StartExporter());
  const uint16_t port = exporter_->port();
  const ParsedMetrics before = exporter_->Scrape();
  std::vector<Response> got(kScrapers);
  std::mutex mu;
  std::condition_variable go;
  int ready = 0;
  std::vector<std::thread> scrapers;
  for (int i = 0; i < kScrapers; ++i) {
    scrapers.emplace_back([&, i] {
      {
        std::unique_lock<std::mutex> lock(mu);
        ++ready;
        go.notify_all();
        go.wait(lock, [&] { return ready == kScrapers; });
      }
      got[i] = Send(port, "GET", "/metrics", i % 2 ? "gzip" : "");
    });
  }
  for (auto& t : scrapers) t.join();
  const ParsedMetrics after = exporter_->Scrape();

  std::map<double, std::string> text_of_render, gzip_of_render;
  for (int i = 0; i < kScrapers; ++i) {
    ASSERT_EQ(got[i].status, 200) << "scraper " << i;
    const bool zipped = i % 2 == 1;
    EXPECT_EQ(Header(got[i].headers, "Content-Encoding"), zipped ? "gzip" : "") << i;
    const std::string text = zipped ? Gunzip(got[i].body) : got[i].body;
    const ParsedMetrics m = ParsedMetrics::Parse(text);
    ASSERT_TRUE(m.Errors().empty()) << "scraper " << i << ": " << m.Errors().front();
    const double render = m.Value("socket_exporter_scrape_renders_total", {});
    auto [at, fresh] = text_of_render.emplace(render, text);
    EXPECT_TRUE(fresh || at->second == text) << "render " << render << " differs for " << i;
    if (!zipped) continue;
    auto [zat, zfresh] = gzip_of_render.emplace(render, got[i].body);
    EXPECT_TRUE(zfresh || zat->second == got[i].body) << "render " << render << ", scraper " << i;
  }
  const double requests = after.Sum("socket_exporter_scrape_requests_total") -
                          before.Sum("socket_exporter_scrape_requests_total");
  const double zipped =
      after.Value("socket_exporter_scrape_requests_total", {{"encoding", "gzip"}}) -
      before.Value("socket_exporter_scrape_requests_total", {{"encoding", "gzip"}});
  const double renders = after.Value("socket_exporter_scrape_renders_total", {}) -
                         before.Value("socket_exporter_scrape_renders_total", {});
  EXPECT_EQ(requests, kScrapers + 1);  // the 20 and the scrape after them
  EXPECT_EQ(zipped, kScrapers / 2);
  EXPECT_EQ(renders, static_cast<double>(text_of_render.size()) + 1);
  EXPECT_LE(renders, kScrapers / 2 + 1) << "without sharing each scrape renders: 21";
}

// Scrapers looping while connections are made, half asking for gzip: the count each one sees
// never goes down from one of its scrapes to the next, and ends at the connections made.
TEST_F(HttpSharedScrapeTest, NoScraperSeesACounterGoDownWhileTrafficRuns) {
  constexpr uint16_t kPort = 7420;
  constexpr int kConnections = 400, kScrapers = 8, kMinScrapes = 10, kMaxScrapes = 300;
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({kLoopback4, kPort}, 128); });
  ASSERT_TRUE(StartExporter({"--ports.track=" + std::to_string(kPort)}));
  const uint16_t port = exporter_->port();
  TcpServer server(listener.get(), kConnections, 0, CloseMode::kGraceful);
  std::atomic<bool> done{false};
  std::vector<std::vector<double>> seen(kScrapers);
  std::vector<std::thread> scrapers;
  for (int i = 0; i < kScrapers; ++i) {
    scrapers.emplace_back([&, i] {
      for (int k = 0; k < kMaxScrapes && (k < kMinScrapes || !done); ++k) {
        const Response r = Send(port, "GET", "/metrics", i % 2 ? "gzip" : "");
        const std::string text = i % 2 ? Gunzip(r.body) : r.body;
        seen[i].push_back(r.status == 200 ? ParsedMetrics::Parse(text).Sum(kAccepts) : -1);
      }
    });
  }
  ClientStats clients;
  ns_.RunIn([&] { clients = RunClients({kLoopback4, kPort}, kConnections, 0); });
  done = true;
  for (auto& t : scrapers) t.join();
  ASSERT_EQ(clients.connected, kConnections);
  ASSERT_EQ(server.Join().served, kConnections);

  for (int i = 0; i < kScrapers; ++i) {
    ASSERT_FALSE(seen[i].empty());
    EXPECT_GE(seen[i].front(), 0) << "scraper " << i << " got an error";
    for (size_t k = 1; k < seen[i].size(); ++k)
      EXPECT_GE(seen[i][k], seen[i][k - 1]) << "scraper " << i << ", scrape " << k;
  }
  EXPECT_EQ(exporter_->Scrape().Sum(kAccepts), kConnections);
}

}  // namespace
}  // namespace se::test
