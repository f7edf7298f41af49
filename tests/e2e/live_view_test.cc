// The live page end to end. The exporter watches a server namespace where a listener accepts a
// steady stream of connections from a client namespace, connects to a closed port fail, the
// client scans closed ports, a UDP server echoes the client's datagrams, a bound UDP socket that
// never reads gets one burst, and a TCP connection loses data segments on the link. The embedded
// assets are checked over HTTP; then a real headless Chromium loads the page, runs its
// JavaScript against the JSON API and dumps the DOM, which must show the listener's accept rate,
// the failures in amber, the UDP rows (the burst's exact counts and queue, the echo's rates) and
// the retransmissions, the scan's finding and no JavaScript error. A second run takes the
// screenshot that docs/img/live-view.png is made from.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "harness/command.h"
#include "harness/netns.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"
#include "harness/udp_traffic.h"
#include "harness/veth_test.h"
#include "json.h"
#include "live_view_dom.h"
#include "live_view_traffic.h"
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
constexpr uint16_t kUdpBurstPort = 7310;  // bound, never read: one burst overfills its queue
constexpr uint16_t kUdpEchoPort = 7311;   // echoes a steady stream (QualityTraffic)
constexpr uint16_t kLossyPort = 7320;     // a connection that loses data segments (QualityTraffic)
constexpr int kBurstDatagrams = 200;
constexpr size_t kBurstBytes = 64;
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

// The cell `field` of the row of class `row_class` ("port-row": TCP, "udp-row") of `port` in the
// dumped DOM, copied to *out; a failure says what is missing.
::testing::AssertionResult RowCell(const std::string& dom, const std::string& row_class,
                                   uint16_t port, const std::string& field, Element* out) {
  const std::vector<Element> rows = Elements(dom, "tr");
  const Element* row = nullptr;
  for (size_t i = 0; i < rows.size() && row == nullptr; ++i) {
    if (Attr(rows[i], "data-port") == std::to_string(port) && HasClass(rows[i], row_class))
      row = &rows[i];
  }
  if (row == nullptr)
    return ::testing::AssertionFailure()
           << "no " << row_class << " for " << port << " in the DOM:\n"
           << dom.substr(0, 8000);
  const std::vector<Element> cells = Elements(row->inner, "td");
  const Element* cell = FindBy(cells, "data-field", field);
  if (cell == nullptr)
    return ::testing::AssertionFailure()
           << "row " << port << " has no " << field << " cell: " << row->inner;
  *out = *cell;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PortCell(const std::string& dom, uint16_t port, const std::string& field,
                                    Element* out) {
  return RowCell(dom, "port-row", port, field, out);
}

::testing::AssertionResult UdpCell(const std::string& dom, uint16_t port, const std::string& field,
                                   Element* out) {
  return RowCell(dom, "udp-row", port, field, out);
}

// A rate cell's value, as in data-value and as shown, must be above zero.
::testing::AssertionResult ShowsPositiveRate(const Element& cell) {
  const double value = std::strtod(Attr(cell, "data-value").c_str(), nullptr);
  const std::optional<double> shown = ShownNumber(cell.inner);
  if (value > 0 && shown.has_value() && *shown > 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "rate not above zero: data-value=\""
                                       << Attr(cell, "data-value") << "\", shown: " << cell.inner;
}

double Number(const Json& value) { return std::strtod(value.Text().c_str(), nullptr); }

// The entry of `port` in an /api/v1/ports answer; a null value when there is none.
const Json& PortEntry(const Json& ports, uint16_t port) {
  static const Json kNone;
  for (const Json& p : ports["ports"].Items()) {
    if (p["port"].Text() == std::to_string(port)) return p;
  }
  return kNone;
}

bool HasAcceptRate(const Json& ports) {
  return Number(PortEntry(ports, kPort)["rates"]["accepts"]) > 0;
}

// The burst counted in full, the echo and the retransmissions in the last interval's rates.
bool HasUdpAndRetransmits(const Json& ports) {
  return Number(PortEntry(ports, kUdpBurstPort)["udp"]["received_datagrams"]) == kBurstDatagrams &&
         Number(PortEntry(ports, kUdpEchoPort)["udp"]["rates"]["received_datagrams"]) > 0 &&
         Number(PortEntry(ports, kLossyPort)["rates"]["retransmitted_segments"]) > 0;
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

// n with thousands separators, as the page shows counts.
std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(at, ",");
  return digits;
}

// kBurstDatagrams from the client to a socket bound in the server namespace that never reads,
// with a receive buffer too small for them all; returns that socket.
UniqueFd SendUdpBurst(const Netns& server, const Netns& client) {
  UniqueFd bound, sender;
  server.RunIn([&] {
    bound = BindUdp({VethLink::kServer4, kUdpBurstPort});
    SetReceiveBuffer(bound.get(), 2048);
  });
  client.RunIn([&] { sender = BindUdp({VethLink::kClient4, 0}); });
  EXPECT_EQ(SendDatagrams(sender.get(), {VethLink::kServer4, kUdpBurstPort}, kBurstDatagrams,
                          kBurstBytes),
            kBurstDatagrams);
  return bound;
}

// The burst's UDP row: exactly the datagrams and bytes sent, the drops the namespace counted
// (UdpRcvbufErrors) under their reason, and the receive queue as ss shows it.
void ExpectUdpBurstRow(const std::string& dom, uint64_t rcvbuf_errors,
                       std::pair<uint64_t, uint64_t> queue) {
  Element received, bytes, drops, queue_cell;
  ASSERT_TRUE(UdpCell(dom, kUdpBurstPort, "received_rate", &received));
  EXPECT_EQ(Attr(received, "data-total"), std::to_string(kBurstDatagrams));
  EXPECT_EQ(Attr(received, "title"), Thousands(kBurstDatagrams) + " in total");
  ASSERT_TRUE(UdpCell(dom, kUdpBurstPort, "received_bytes_rate", &bytes));
  EXPECT_EQ(Attr(bytes, "data-total"), std::to_string(kBurstDatagrams * kBurstBytes));
  ASSERT_TRUE(UdpCell(dom, kUdpBurstPort, "drops_rate", &drops));
  EXPECT_GT(rcvbuf_errors, 0u);
  EXPECT_EQ(Attr(drops, "data-total"), std::to_string(rcvbuf_errors));
  EXPECT_NE(Attr(drops, "title").find("receive buffer " + Thousands(rcvbuf_errors)),
            std::string::npos)
      << Attr(drops, "title");
  ASSERT_TRUE(UdpCell(dom, kUdpBurstPort, "receive_queue", &queue_cell));
  const std::string text = Thousands(queue.first) + " / " + Thousands(queue.second) + " \u00b7 ";
  EXPECT_NE(queue_cell.inner.find(text), std::string::npos) << text << " in " << queue_cell.inner;
}

// One of the history's samples of `series` of `port` is `value`, as the page must have shown a
// sample's rate; returns its index, or -1.
int SampleWith(const Json& history, uint16_t port, const std::string& series, double value) {
  const std::vector<Json>& values = history["ports"][std::to_string(port)][series].Items();
  for (size_t i = 0; i < values.size(); ++i) {
    if (Number(values[i]) == value) return static_cast<int>(i);
  }
  return -1;
}

// The echo's UDP row: both rates above zero, a rate of the history (the counters' deltas over
// the interval), and as many bytes per second as kEchoBytes per datagram, to the API's rounding.
void ExpectUdpEchoRow(const std::string& dom, const Json& history) {
  Element received, sent, bytes;
  ASSERT_TRUE(UdpCell(dom, kUdpEchoPort, "received_rate", &received));
  EXPECT_TRUE(ShowsPositiveRate(received));
  ASSERT_TRUE(UdpCell(dom, kUdpEchoPort, "sent_rate", &sent));
  EXPECT_TRUE(ShowsPositiveRate(sent));
  const double datagrams = std::strtod(Attr(received, "data-value").c_str(), nullptr);
  EXPECT_GE(SampleWith(history, kUdpEchoPort, "udp_received_datagrams", datagrams), 0)
      << datagrams << "/s is no sample of the history";
  ASSERT_TRUE(UdpCell(dom, kUdpEchoPort, "received_bytes_rate", &bytes));
  EXPECT_NEAR(std::strtod(Attr(bytes, "data-value").c_str(), nullptr),
              datagrams * QualityTraffic::kEchoBytes, 0.06);
  Element none;
  EXPECT_FALSE(PortCell(dom, kUdpEchoPort, "port", &none)) << "a UDP-only port in the TCP table";
}

// The lossy connection's TCP row: a retransmission rate above zero and the interval's share of
// sent segments in amber, both of one history sample; the port has no UDP row.
void ExpectRetransmissionRow(const std::string& dom, const Json& history) {
  Element rate, ratio;
  ASSERT_TRUE(PortCell(dom, kLossyPort, "retransmits_rate", &rate));
  EXPECT_TRUE(ShowsPositiveRate(rate));
  ASSERT_TRUE(PortCell(dom, kLossyPort, "retransmit_ratio", &ratio));
  EXPECT_TRUE(HasClass(ratio, "warn")) << "every 8th segment lost: " << ratio.inner;
  const double per_second = std::strtod(Attr(rate, "data-value").c_str(), nullptr);
  const double share = std::strtod(Attr(ratio, "data-value").c_str(), nullptr);
  const Json& port = history["ports"][std::to_string(kLossyPort)];
  bool found = false;
  for (size_t i = 0; i < port["sent_segments"].Items().size(); ++i) {
    const double retransmitted = Number(port["retransmitted_segments"].Items()[i]);
    const double sent = Number(port["sent_segments"].Items()[i]);
    found = found || (retransmitted == per_second && sent > 0 &&
                      std::abs(retransmitted / sent - share) < 1e-3);
  }
  EXPECT_TRUE(found) << per_second << "/s at " << share << " is no sample of the history";
  Element none;
  EXPECT_FALSE(UdpCell(dom, kLossyPort, "port", &none)) << "a TCP-only port in the UDP table";
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

class LiveViewTest : public VethExporterTest {
 protected:
  // The answer of `path`, parsed; a null value (and a failure) when it is not JSON.
  Json GetJson(const std::string& path) const {
    const HttpResponse r = exporter_->Get(path);
    Json doc;
    std::string error;
    EXPECT_TRUE(r.status == 200 && Json::Parse(r.body, &doc, &error))
        << path << ": status " << r.status << " " << r.error << error;
    return doc;
  }

  // Retransmissions count as they happen, so once the lossy connection is gone the port's total
  // is the namespace's own TcpRetransSegs (re-read: a close can still retransmit), and at least
  // the total the page showed.
  void ExpectRetransmissionTotal(const std::string& dom) const {
    uint64_t kernel = 0;
    const auto same = [&](const Json& ports) {
      kernel = Nstat(ns_, "TcpRetransSegs");
      return Number(PortEntry(ports, kLossyPort)["retransmitted_segments"]) == kernel;
    };
    EXPECT_TRUE(WaitForJson("/api/v1/ports", same, "TcpRetransSegs retransmissions", seconds(10)))
        << "TcpRetransSegs " << kernel;
    Element rate;
    ASSERT_TRUE(PortCell(dom, kLossyPort, "retransmits_rate", &rate));
    const double shown = std::strtod(Attr(rate, "data-total").c_str(), nullptr);
    EXPECT_GT(shown, 0);
    EXPECT_LE(shown, kernel);
  }

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

  // A 1280x1100 screenshot of the page at `png`, which must be a PNG of more than 10 kB.
  ::testing::AssertionResult TakeScreenshot(const std::string& png) const {
    std::filesystem::remove(png);  // a stale screenshot must not pass
    std::string ignored;
    ::testing::AssertionResult ran =
        RunChromium({"--screenshot=" + png, "--window-size=1280,1100"}, &ignored);
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
  const HttpResponse tables = exporter_->Get("/assets/ports.js");
  ASSERT_EQ(tables.status, 200) << tables.error;
  EXPECT_EQ(Header(tables, "content-type"), js_type) << tables.headers;
  EXPECT_EQ(tables.body, Asset("ports.js"));
  EXPECT_NE(page.body.find("<script src=\"./assets/ports.js\">"), std::string::npos);
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

TEST_F(LiveViewTest, ChromiumRendersRatesUdpRetransmissionsFindingsAndHealthWithoutErrors) {
  ASSERT_TRUE(InPath(kChromium)) << "chromium is not installed (tools/install-deps.sh --test)";
  ASSERT_TRUE(StartExporter());
  SteadyPorts ports{kPort, kClosedPort, {}};
  for (int i = 0; i < kScanPorts; ++i) ports.scanned.push_back(uint16_t(kScanFirst + i));
  SteadyTraffic traffic(ns_, client_, ports, kMaxTraffic);
  std::optional<QualityTraffic> quality;
  ASSERT_NO_THROW(quality.emplace(ns_, client_, kUdpEchoPort, kLossyPort, kMaxTraffic));
  const UniqueFd burst = SendUdpBurst(ns_, client_);
  // Two history samples 2 s apart must exist before the page's first fetch, the scan must have
  // been found, and the interval's rates must have UDP traffic and retransmissions.
  ASSERT_TRUE(
      WaitForJson("/api/v1/ports", HasAcceptRate, "an accept rate for the listener", seconds(20)));
  ASSERT_TRUE(
      WaitForJson("/api/v1/findings", HasScanFinding, "the client's port scan", seconds(20)));
  ASSERT_TRUE(WaitForJson("/api/v1/ports", HasUdpAndRetransmits,
                          "the whole UDP burst, echo and retransmission rates", seconds(20)));
  // Nothing reaches the burst's socket any more: its drops and queue stay as they are now.
  const uint64_t rcvbuf_errors = Nstat(ns_, "UdpRcvbufErrors");
  const auto queue = SsUdpQueue(ns_, kUdpBurstPort);

  std::string dom;
  ASSERT_TRUE(RunChromium({"--dump-dom"}, &dom));
  const Json history = GetJson("/api/v1/history");  // still holds the samples the page showed
  const std::vector<Element> pres = Elements(dom, "pre");
  const Element* errors = FindBy(pres, "id", "js-errors");
  ASSERT_NE(errors, nullptr) << "no #js-errors in the DOM:\n" << dom.substr(0, 3000);
  EXPECT_EQ(errors->inner, "") << "JavaScript errors on the page";

  ExpectPortRows(dom);
  ExpectUdpBurstRow(dom, rcvbuf_errors, queue);
  ExpectUdpEchoRow(dom, history);
  ExpectRetransmissionRow(dom, history);
  ExpectFindingsAndHealth(dom);

  ASSERT_TRUE(TakeScreenshot(std::string(SE_BINARY_DIR) + "/live-view.png"));

  quality->Stop();
  ExpectRetransmissionTotal(dom);
  traffic.Stop();
  EXPECT_GT(traffic.served(), 0);
}

}  // namespace
}  // namespace se::test
