// The live page end to end. The exporter watches a server namespace where a listener accepts a
// steady stream of connections from a client namespace, connects to a closed port fail, and the
// client scans closed ports. The embedded assets are checked over HTTP; then a real headless
// Chromium loads the page, runs its JavaScript against the JSON API and dumps the DOM, which
// must show the listener's accept rate, the failures in amber, the scan's finding and no
// JavaScript error. A second run takes the screenshot that docs/img/live-view.png is made from.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/command.h"
#include "harness/netns.h"
#include "harness/traffic.h"
#include "harness/veth_test.h"
#include "json.h"
#include "stack.h"

#ifndef SE_SOURCE_DIR
#error "SE_SOURCE_DIR must name the source tree (for the page's assets)"
#endif
#ifndef SE_BINARY_DIR
#error "SE_BINARY_DIR must name the build tree (where the screenshot goes)"
#endif

namespace se::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr uint16_t kPort = 7300;        // the listener
constexpr uint16_t kClosedPort = 7301;  // nothing listens here
// The client scans these closed ports, one after the other, over and over: a vertical scan
// (port_scan.min_ports is 20 by default).
constexpr uint16_t kScanFirst = 7400;
constexpr int kScanPorts = 24;
constexpr char kChromium[] = "chromium";
constexpr char kChartJs[] = "/usr/share/javascript/chart.js/chart.min.js";
// Headless, offline apart from the page, nothing in the background. Virtual time lets the page's
// 2 s timers run several polls within a few real seconds.
constexpr const char* kChromiumFlags[] = {"--headless",
                                          "--no-sandbox",
                                          "--disable-gpu",
                                          "--disable-quic",
                                          "--disable-background-networking",
                                          "--disable-component-update",
                                          "--disable-sync",
                                          "--no-first-run",
                                          "--virtual-time-budget=8000"};
constexpr milliseconds kChromiumTimeout = seconds(90);
// Traffic never outlives this, even if the test is stuck elsewhere.
constexpr seconds kMaxTraffic = seconds(180);

std::string Asset(const std::string& name) {
  return ReadFile(std::string(SE_SOURCE_DIR) + "/exporter/http/assets/" + name);
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The value of header `name` in a raw header block, lower-cased; empty when absent.
std::string Header(const HttpResponse& r, const std::string& name) {
  const std::string headers = Lower(r.headers);
  const size_t at = headers.find("\r\n" + Lower(name) + ":");
  if (at == std::string::npos) return "";
  const size_t start = headers.find_first_not_of(' ', at + name.size() + 3);
  return headers.substr(start, headers.find("\r\n", start) - start);
}

// An HTML element of the dumped DOM: its attributes and its inner HTML. Good enough for the
// page's own markup, where tr, td and pre never nest in themselves.
struct Element {
  std::map<std::string, std::string> attrs;
  std::string inner;
};

std::vector<Element> Elements(const std::string& html, const std::string& tag) {
  static const std::regex kAttr(R"re(([A-Za-z_:][-A-Za-z0-9_:.]*)(?:="([^"]*)")?)re");
  const std::regex start("<" + tag + R"re((\s[^>]*)?>)re");
  const std::string end = "</" + tag + ">";
  std::vector<Element> out;
  for (std::sregex_iterator it(html.begin(), html.end(), start), last; it != last; ++it) {
    Element e;
    const std::string attrs = (*it)[1].str();
    for (std::sregex_iterator a(attrs.begin(), attrs.end(), kAttr); a != last; ++a)
      e.attrs[(*a)[1].str()] = (*a)[2].str();
    const size_t from = static_cast<size_t>(it->position() + it->length());
    const size_t to = html.find(end, from);
    e.inner = html.substr(from, to == std::string::npos ? std::string::npos : to - from);
    out.push_back(std::move(e));
  }
  return out;
}

std::string Attr(const Element& e, const std::string& name) {
  const auto it = e.attrs.find(name);
  return it != e.attrs.end() ? it->second : "";
}

bool HasClass(const Element& e, const std::string& cls) {
  return (" " + Attr(e, "class") + " ").find(" " + cls + " ") != std::string::npos;
}

// The first element whose attribute `attr` is `value`; elements must outlive the result.
const Element* FindBy(const std::vector<Element>& elements, const std::string& attr,
                      const std::string& value) {
  for (const Element& e : elements) {
    if (e.attrs.count(attr) != 0 && Attr(e, attr) == value) return &e;
  }
  return nullptr;
}
const Element* FindBy(std::vector<Element>&&, const std::string&, const std::string&) = delete;

// Text of inner HTML without tags and thousands separators, as a number.
std::optional<double> ShownNumber(const std::string& inner) {
  const std::string text = std::regex_replace(std::regex_replace(inner, std::regex("<[^>]*>"), ""),
                                              std::regex("[,\\s]"), "");
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') return std::nullopt;
  return v;
}

// The cell `field` of the port row of `port` in the dumped DOM, copied to *out; a failure says
// what is missing.
::testing::AssertionResult PortCell(const std::string& dom, uint16_t port, const std::string& field,
                                    Element* out) {
  const std::vector<Element> rows = Elements(dom, "tr");
  const Element* row = FindBy(rows, "data-port", std::to_string(port));
  if (row == nullptr || !HasClass(*row, "port-row"))
    return ::testing::AssertionFailure() << "no port row for " << port << " in the DOM:\n"
                                         << dom.substr(0, 6000);
  const std::vector<Element> cells = Elements(row->inner, "td");
  const Element* cell = FindBy(cells, "data-field", field);
  if (cell == nullptr)
    return ::testing::AssertionFailure()
           << "row " << port << " has no " << field << " cell: " << row->inner;
  *out = *cell;
  return ::testing::AssertionSuccess();
}

// A rate cell's value, as in data-value and as shown, must be above zero.
::testing::AssertionResult ShowsPositiveRate(const Element& cell) {
  const double value = std::strtod(Attr(cell, "data-value").c_str(), nullptr);
  const std::optional<double> shown = ShownNumber(cell.inner);
  if (value > 0 && shown.has_value() && *shown > 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "rate not above zero: data-value=\""
                                       << Attr(cell, "data-value") << "\", shown: " << cell.inner;
}

bool HasAcceptRate(const Json& ports) {
  for (const Json& p : ports["ports"].Items()) {
    if (p["port"].Text() == std::to_string(kPort) &&
        std::strtod(p["rates"]["accepts"].Text().c_str(), nullptr) > 0)
      return true;
  }
  return false;
}

bool HasScanFinding(const Json& findings) {
  for (const Json& f : findings["findings"].Items()) {
    if (f["rule"].Text() == "port_scan" && f["src"].Text() == VethLink::kClient4) return true;
  }
  return false;
}

// The listener's row with a positive accept rate; the closed port's with a failure rate in amber.
void ExpectPortRows(const std::string& dom) {
  Element accepts, failures;
  ASSERT_TRUE(PortCell(dom, kPort, "accepts_rate", &accepts));
  EXPECT_TRUE(ShowsPositiveRate(accepts));
  ASSERT_TRUE(PortCell(dom, kClosedPort, "failures_rate", &failures));
  EXPECT_TRUE(ShowsPositiveRate(failures));
  EXPECT_TRUE(HasClass(failures, "warn")) << Attr(failures, "class");
}

// The scan's finding naming the client, the scan source counted, the probes listed, and the
// status "up" (the last fetch succeeded).
void ExpectFindingsAndHealth(const std::string& dom) {
  const std::vector<Element> rows = Elements(dom, "tr");
  const Element* finding = FindBy(rows, "data-rule", "port_scan");
  ASSERT_NE(finding, nullptr) << "no port_scan finding row in the DOM:\n" << dom.substr(0, 6000);
  EXPECT_NE(finding->inner.find(VethLink::kClient4), std::string::npos) << finding->inner;

  const std::vector<Element> dds = Elements(dom, "dd");
  const Element* sources = FindBy(dds, "id", "scan-sources");
  ASSERT_NE(sources, nullptr);
  EXPECT_GE(ShownNumber(sources->inner).value_or(0), 1) << sources->inner;

  EXPECT_NE(dom.find("data-probe=\""), std::string::npos) << "probe health not rendered";
  const std::vector<Element> spans = Elements(dom, "span");
  const Element* status = FindBy(spans, "id", "status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(Attr(*status, "data-state"), "up") << status->inner;
}

// Until Stop() or kMaxTraffic: the client namespace connects to the server's kPort back to back
// with a short pause (each connection accepted, read to EOF and closed), so kPort always has a
// non-zero accept rate; the server namespace connects to the closed kClosedPort a few times a
// second, so the page has failures and resets to show in amber; and the client scans closed
// ports, so there is a finding and a scan source.
class SteadyTraffic {
 public:
  SteadyTraffic(const Netns& server, const Netns& client) {
    server.RunIn([&] { listener_ = ListenTcp({VethLink::kServer4, kPort}, 128); });
    const auto deadline = Clock::now() + kMaxTraffic;
    threads_.emplace_back([this, deadline] { Serve(deadline); });
    threads_.emplace_back([this, &client, deadline] {
      ConnectLoop(client, VethLink::kServer4, {kPort}, milliseconds(20), deadline);
    });
    threads_.emplace_back([this, &server, deadline] {
      ConnectLoop(server, kLoopback4, {kClosedPort}, milliseconds(250), deadline);
    });
    std::vector<uint16_t> scanned;
    for (int i = 0; i < kScanPorts; ++i) scanned.push_back(static_cast<uint16_t>(kScanFirst + i));
    threads_.emplace_back([this, &client, scanned, deadline] {
      ConnectLoop(client, VethLink::kServer4, scanned, milliseconds(100), deadline);
    });
  }
  ~SteadyTraffic() { Stop(); }
  SteadyTraffic(const SteadyTraffic&) = delete;
  SteadyTraffic& operator=(const SteadyTraffic&) = delete;

  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  int served() const { return served_; }

 private:
  void Serve(Clock::time_point deadline) {
    while (!stop_ && Clock::now() < deadline) {
      pollfd p{listener_.get(), POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      UniqueFd conn(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!conn.valid()) continue;
      int error = 0;
      ReadUntilEof(conn.get(), seconds(2), &error);
      ++served_;
    }
  }

  // Connects to each of `ports` in turn, round and round. Runs on a thread of its own, from which
  // Netns::RunIn enters the namespace.
  void ConnectLoop(const Netns& ns, const std::string& host, const std::vector<uint16_t>& ports,
                   milliseconds pause, Clock::time_point deadline) {
    try {
      ns.RunIn([&] {
        for (size_t i = 0; !stop_ && Clock::now() < deadline; ++i) {
          ConnectResult r = ConnectTcp({host, ports[i % ports.size()]}, seconds(1));
          if (r.fd.valid()) {
            shutdown(r.fd.get(), SHUT_WR);
            int error = 0;
            ReadUntilEof(r.fd.get(), seconds(2), &error);
          }
          std::this_thread::sleep_for(pause);
        }
      });
    } catch (const std::exception&) {
      // No connections then: the test's rate checks fail and say so.
    }
  }

  UniqueFd listener_;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  std::vector<std::thread> threads_;
};

class LiveViewTest : public VethExporterTest {
 protected:
  // Polls the JSON endpoint `path` until done(answer) holds; a failure says `what` was awaited.
  ::testing::AssertionResult WaitForJson(const std::string& path,
                                         const std::function<bool(const Json&)>& done,
                                         const std::string& what, milliseconds timeout) const {
    std::string last;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const HttpResponse r = exporter_->Get(path);
      Json doc;
      std::string error;
      last = "status " + std::to_string(r.status) + " " + r.error + " " + r.body.substr(0, 600);
      if (r.status == 200 && Json::Parse(r.body, &doc, &error) && done(doc))
        return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(milliseconds(250));
    }
    return ::testing::AssertionFailure()
           << path << " never showed " << what << "; last answer: " << last;
  }

  // Runs headless Chromium on the page with `extra` flags and a fresh profile; returns its
  // stdout. Chromium runs in a session of its own, so on timeout its whole process group — and
  // nothing else — is killed.
  ::testing::AssertionResult RunChromium(const std::vector<std::string>& extra,
                                         std::string* out) const {
    TempDir profile("se-live-chromium");
    const std::string out_path = profile.path() + "/stdout";
    const std::string err_path = profile.path() + "/stderr";
    std::vector<std::string> argv = {"setsid", kChromium};
    argv.insert(argv.end(), std::begin(kChromiumFlags), std::end(kChromiumFlags));
    argv.push_back("--user-data-dir=" + profile.path() + "/profile");
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("http://127.0.0.1:" + std::to_string(exporter_->port()) + "/");
    const int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    const int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    SpawnOptions options;
    options.stdout_fd = out_fd;
    options.stderr_fd = err_fd;
    const pid_t pid = Spawn(argv, options);
    close(out_fd);
    close(err_fd);
    if (pid <= 0) return ::testing::AssertionFailure() << "cannot spawn " << kChromium;
    const int code = WaitForExit(pid, kChromiumTimeout);
    kill(-pid, SIGKILL);  // helpers still alive in its group (setsid made pid the group id)
    if (code == kTimedOut) WaitForExit(pid, seconds(5));
    *out = ReadFile(out_path);
    if (code == 0) return ::testing::AssertionSuccess();
    const std::string err = ReadFile(err_path);
    return ::testing::AssertionFailure()
           << kChromium << " ended with " << code << " (" << kTimedOut << " = timed out after "
           << kChromiumTimeout.count() << " ms); stderr tail:\n"
           << err.substr(err.size() > 3000 ? err.size() - 3000 : 0);
  }

  // A 1280x900 screenshot of the page at `png`, which must be a PNG of more than 10 kB.
  ::testing::AssertionResult TakeScreenshot(const std::string& png) const {
    std::filesystem::remove(png);  // a stale screenshot must not pass
    std::string ignored;
    ::testing::AssertionResult ran =
        RunChromium({"--screenshot=" + png, "--window-size=1280,900"}, &ignored);
    if (!ran) return ran;
    std::error_code ec;
    const auto size = std::filesystem::file_size(png, ec);
    if (ec) return ::testing::AssertionFailure() << "no screenshot at " << png;
    if (size <= 10u * 1024 || ReadFile(png).substr(1, 3) != "PNG")
      return ::testing::AssertionFailure()
             << png << ": not a PNG of more than 10 kB (" << size << " bytes)";
    return ::testing::AssertionSuccess();
  }
};

TEST_F(LiveViewTest, AssetsAreServedWithTheirContentTypes) {
  ASSERT_TRUE(StartExporter());
  const HttpResponse page = exporter_->Get("/");
  ASSERT_EQ(page.status, 200) << page.error;
  EXPECT_EQ(Header(page, "content-type").rfind("text/html", 0), 0u) << page.headers;
  // assets/index.html with the telemetry path filled in.
  std::string want = Asset("index.html");
  for (size_t at; (at = want.find("@TELEMETRY_PATH@")) != std::string::npos;)
    want.replace(at, std::string("@TELEMETRY_PATH@").size(), "/metrics");
  EXPECT_EQ(page.body, want) << "/ is not assets/index.html";
  EXPECT_NE(page.body.find("href=\"./metrics\""), std::string::npos);
  // The rows come from JavaScript, so the DOM test below is not satisfied by the static page.
  EXPECT_EQ(page.body.find("port-row\" data-port"), std::string::npos);

  const HttpResponse js = exporter_->Get("/assets/live.js");
  ASSERT_EQ(js.status, 200) << js.error;
  const std::string js_type = Header(js, "content-type");
  EXPECT_TRUE(js_type.rfind("application/javascript", 0) == 0 ||
              js_type.rfind("text/javascript", 0) == 0)
      << js.headers;
  EXPECT_EQ(js.body, Asset("live.js"));
  // Assets change only with the binary; the page itself and the data are never cached.
  EXPECT_EQ(Header(js, "cache-control"), "public, max-age=86400") << js.headers;
  EXPECT_EQ(Header(page, "cache-control"), "no-store") << page.headers;
  EXPECT_EQ(Header(js, "x-content-type-options"), "nosniff") << js.headers;

  const HttpResponse css = exporter_->Get("/assets/live.css");
  ASSERT_EQ(css.status, 200) << css.error;
  EXPECT_EQ(Header(css, "content-type").rfind("text/css", 0), 0u) << css.headers;

  const HttpResponse chart = exporter_->Get("/assets/chart.min.js");
  ASSERT_EQ(chart.status, 200) << chart.error;
  EXPECT_NE(chart.body.find("Chart.js v3.9"), std::string::npos) << chart.body.substr(0, 200);
  const std::string packaged = ReadFile(kChartJs);
  if (!packaged.empty()) {
    EXPECT_EQ(chart.body, packaged) << "not Debian's " << kChartJs;
  }

  EXPECT_EQ(exporter_->Get("/assets/nonexistent.js").status, 404);

  const HttpResponse head = Request(exporter_->port(), "HEAD", "/");
  ASSERT_EQ(head.status, 200) << head.error;
  EXPECT_EQ(Header(head, "content-type").rfind("text/html", 0), 0u) << head.headers;
  EXPECT_EQ(head.body, "") << "HEAD / sent a body";
  const std::string length = Header(head, "content-length");
  if (!length.empty()) {
    EXPECT_EQ(length, std::to_string(page.body.size()));
  }
}

TEST_F(LiveViewTest, ChromiumRendersRatesFindingsAndHealthWithoutErrors) {
  ASSERT_TRUE(InPath(kChromium)) << "chromium is not installed (tools/install-deps.sh --test)";
  ASSERT_TRUE(StartExporter());
  SteadyTraffic traffic(ns_, client_);
  // Two history samples 2 s apart must exist before the page's first fetch, and the scan must
  // have been found.
  ASSERT_TRUE(
      WaitForJson("/api/v1/ports", HasAcceptRate, "an accept rate for the listener", seconds(20)));
  ASSERT_TRUE(
      WaitForJson("/api/v1/findings", HasScanFinding, "the client's port scan", seconds(20)));

  std::string dom;
  ASSERT_TRUE(RunChromium({"--dump-dom"}, &dom));
  const std::vector<Element> pres = Elements(dom, "pre");
  const Element* errors = FindBy(pres, "id", "js-errors");
  ASSERT_NE(errors, nullptr) << "no #js-errors in the DOM:\n" << dom.substr(0, 3000);
  EXPECT_EQ(errors->inner, "") << "JavaScript errors on the page";

  ExpectPortRows(dom);
  ExpectFindingsAndHealth(dom);

  ASSERT_TRUE(TakeScreenshot(std::string(SE_BINARY_DIR) + "/live-view.png"));

  traffic.Stop();
  EXPECT_GT(traffic.served(), 0);
}

}  // namespace
}  // namespace se::test
