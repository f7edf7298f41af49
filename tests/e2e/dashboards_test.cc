// Every query of the Grafana dashboards in dashboards/*.json returns data: the exporter watches a
// server namespace, a real Prometheus scrapes it every second, the test runs traffic of every
// kind the dashboards show (TCP and UDP over a veth link to a client namespace that loses a few
// data segments), then substitutes the dashboard variables as Grafana would and runs each
// panel, annotation and template variable query against Prometheus. A query that does not
// parse or returns nothing fails the test, named by file, panel and substituted expression.
//
// It takes about 15 s, for what has to happen in order: Prometheus's first scrape lands 5-6 s
// after it starts; every rate(...[15s]) needs at least two scrapes (1 s apart) of series that
// already existed before the traffic it should see, so the steady traffic runs ~5 s before the
// attacks; then the SYN flood detector needs its 1 s ticks to flag the port, the kernel its 1 s
// SYN-ACK retransmit timer, and Prometheus a scrape or two more to hold all of it.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <atomic>
#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "dashboard_queries.h"
#include "harness/command.h"
#include "harness/exporter_process.h"
#include "harness/link_shaping.h"
#include "harness/pod_cgroup.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"
#include "harness/udp_traffic.h"
#include "harness/veth_test.h"
#include "stack.h"

namespace se::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The main port: inbound and outbound traffic, resets, the flood and the policy findings all
// land on it, so a port-detail dashboard with $port set to it has data in every panel.
constexpr uint16_t kPort = 8080;
constexpr char kPortText[] = "8080";  // kPort as its label value
constexpr uint16_t kClosedPort = 7099;
constexpr char kServerHeld[] = "10.200.0.3";   // server: a listener on kPort that never accepts
constexpr char kDenied[] = "10.200.0.66";      // client: denied source; refused, denied target
constexpr char kClientHeld[] = "10.200.0.67";  // client: a listener on kPort that never accepts

// Every policy rule finds something on kPort.
constexpr char kConfig[] = R"(policy:
  allowed_listen_ports: [22]
  allowed_egress_ports: [443]
  denied_sources: ["10.200.0.66/32"]
  denied_destinations: ["10.200.0.66/32"]
)";

constexpr char kPrometheusConfig[] = R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ['RULES']
scrape_configs:
  - job_name: socket_exporter
    static_configs:
      - targets: ['127.0.0.1:PORT']
)";

// A Prometheus scraping the exporter every second as job socket_exporter, with the shipped
// alert rules loaded (a dashboard may show ALERTS) and no Alertmanager.
class Prometheus : public PrometheusApi {
 public:
  ::testing::AssertionResult Start(uint16_t exporter_port) {
    std::string config = kPrometheusConfig;
    config.replace(config.find("RULES"), 5, AlertRulesFile());
    config.replace(config.find("PORT"), 4, std::to_string(exporter_port));
    const uint16_t port = PickFreePort();
    server_ = std::make_unique<ServerProcess>(
        "prometheus",
        std::vector<std::string>{"/usr/bin/prometheus",
                                 "--config.file=" + dir_.WriteFile("prometheus.yml", config),
                                 "--storage.tsdb.path=" + dir_.path() + "/data",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port)},
        port, dir_.path() + "/prometheus.log");
    ::testing::AssertionResult started = server_->Start(seconds(20));
    if (!started) return started;
    // The first scrape lands 5-6 s after start.
    const auto deadline = Clock::now() + seconds(20);
    while (Clock::now() < deadline) {
      if (Instant("up{job=\"socket_exporter\"} == 1", 0).samples > 0)
        return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(milliseconds(250));
    }
    return ::testing::AssertionFailure() << "Prometheus never scraped the exporter; log:\n"
                                         << server_->Log();
  }

  bool Get(const std::string& path, json* data, std::string* error) const override {
    const HttpResponse r = server_->Get(path);
    json doc = json::parse(r.body, nullptr, false);
    if (doc.is_object() && doc.value("status", "") == "success") {
      *data = doc["data"];
      return true;
    }
    *error = doc.is_object() ? doc.value("errorType", "") + ": " + doc.value("error", "")
                             : "HTTP " + std::to_string(r.status) + " " + r.error + r.body;
    return false;
  }

 private:
  TempDir dir_{"se-e2e-dashboards"};
  std::unique_ptr<ServerProcess> server_;
};

// Connects to ep, sends `bytes`, then either resets (SO_LINGER 0) or half-closes, reads the
// answer to EOF and closes. A failed connect is left to the preconditions to notice.
void Exchange(const Endpoint& ep, size_t bytes, bool reset, const std::string& source = "") {
  ConnectResult c = ConnectTcp(ep, seconds(2), {.source = source});
  if (!c.fd.valid()) return;
  WriteBytes(c.fd.get(), bytes);
  if (reset) return CloseWithReset(std::move(c.fd));
  shutdown(c.fd.get(), SHUT_WR);
  int error = 0;
  ReadUntilEof(c.fd.get(), seconds(2), &error);
}

// UDP on kPort, one Round() at a time: datagrams from the client to a server socket that never
// reads (SO_RCVBUF at its minimum, so its queue stays full and the rest are receive_buffer
// drops), one to a server address without a UDP socket on kPort (no socket), and datagrams from
// the server to a client socket that drains them (outbound).
class UdpTraffic {
 public:
  UdpTraffic(const Netns& server, const Netns& client) {
    server.RunIn([&] {
      never_reads_ = BindUdp({VethLink::kServer4, kPort});
      SetReceiveBuffer(never_reads_.get(), 1);
      to_client_ = BindUdp({VethLink::kServer4, 0});
      ConnectUdp(to_client_.get(), {VethLink::kClient4, kPort});
    });
    client.RunIn([&] {
      peer_ = BindUdp({VethLink::kClient4, kPort});
      to_server_ = BindUdp({VethLink::kClient4, 0});
    });
  }

  void Round() {
    SendDatagrams(to_server_.get(), {VethLink::kServer4, kPort}, 4, 512);
    SendDatagrams(to_server_.get(), {kServerHeld, kPort}, 1, 64);
    SendDatagrams(to_client_.get(), {}, 2, 256);
    ReceiveDatagrams(peer_.get(), 2, milliseconds(100));
  }

 private:
  UniqueFd never_reads_, to_client_, peer_, to_server_;
};

// Steady traffic on kPort in rounds every 200 ms, from Start() until Stop() (at most 90 s):
// accepted connections with payload both ways, closed gracefully or reset by either side, one
// from the denied source, one refused by a closed port; outbound connects with payload, one
// reset by us, one refused by a denied destination; UDP datagrams (UdpTraffic). Plus, from
// HoldOpen(), connections held open across scrapes: inbound ones filling the accept queue of a
// listener that never accepts (backlog 1 holds 2), and outbound ones.
class Traffic {
 public:
  Traffic(const Netns& server, const Netns& client) : server_(server), client_(client) {}
  ~Traffic() { Stop(); }

  void Start() {
    server_.RunIn([&] { main_ = ListenTcp({VethLink::kServer4, kPort}, 16); });  // small SYN queue
    client_.RunIn([&] {
      peer_ = ListenTcp({VethLink::kClient4, kPort}, 64);
      peer_never_accepts_ = ListenTcp({kClientHeld, kPort}, 8);
    });
    udp_ = std::make_unique<UdpTraffic>(server_, client_);
    threads_.emplace_back([this] { Serve(main_.get()); });
    threads_.emplace_back([this] { Serve(peer_.get()); });
    threads_.emplace_back([this] { Rounds(); });
  }

  // A second listener on kPort (a second unexpected_listener finding, so that rate sees one),
  // and the connections held open.
  void HoldOpen() {
    server_.RunIn([&] { never_accepts_ = ListenTcp({kServerHeld, kPort}, 1); });
    client_.RunIn([&] { Hold({kServerHeld, kPort}, 2); });
    server_.RunIn([&] { Hold({kClientHeld, kPort}, 2); });
  }

  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  int rounds() const { return rounds_; }

 private:
  void Hold(const Endpoint& ep, int count) {
    for (int i = 0; i < count; ++i) {
      ConnectResult c = ConnectTcp(ep, seconds(2));
      if (c.fd.valid()) held_.push_back(std::move(c.fd));
    }
  }

  // Answers every connection with 4000 bytes; every fourth is closed with a reset.
  void Serve(int listener) {
    for (int n = 0; !stop_; ++n) {
      pollfd p{listener, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      UniqueFd conn(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
      if (!conn.valid()) continue;
      int error = 0;
      ReadUntilEof(conn.get(), seconds(2), &error);
      WriteBytes(conn.get(), 4000);
      if (n % 4 == 3) CloseWithReset(std::move(conn));
    }
  }

  void Rounds() {
    const Endpoint inbound{VethLink::kServer4, kPort}, outbound{VethLink::kClient4, kPort};
    const auto deadline = Clock::now() + seconds(90);
    while (!stop_ && Clock::now() < deadline) {
      client_.RunIn([&] {
        for (int i = 0; i < 3; ++i) Exchange(inbound, 3000, false);
        Exchange(inbound, 3000, true);
        Exchange(inbound, 3000, false, kDenied);
        ConnectTcp({VethLink::kServer4, kClosedPort}, seconds(1));  // refused: a closed port
      });
      server_.RunIn([&] {
        for (int i = 0; i < 2; ++i) Exchange(outbound, 2000, false);
        Exchange(outbound, 2000, true);
        ConnectTcp({kDenied, kPort}, seconds(1));  // refused: nothing listens there
      });
      udp_->Round();
      ++rounds_;
      std::this_thread::sleep_for(milliseconds(200));
    }
  }

  const Netns& server_;
  const Netns& client_;
  UniqueFd main_, never_accepts_, peer_, peer_never_accepts_;
  std::vector<UniqueFd> held_;
  std::unique_ptr<UdpTraffic> udp_;
  std::atomic<bool> stop_{false};
  std::atomic<int> rounds_{0};
  std::vector<std::thread> threads_;
};

// A background child, killed by pid when the test is done with it.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (pid_ <= 0 || WaitForExit(pid_, milliseconds(0)) != kTimedOut) return;  // gone already
    kill(pid_, SIGKILL);
    WaitForExit(pid_, seconds(5));
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
};

// Holds the kernel's BPF run-time statistics on while it lives (BPF_ENABLE_STATS); they go off
// again when the last such descriptor closes, so nothing is left changed on the host.
UniqueFd EnableBpfStats() {
  bpf_attr attr{};
  attr.enable_stats.type = BPF_STATS_RUN_TIME;
  return UniqueFd(static_cast<int>(syscall(__NR_bpf, BPF_ENABLE_STATS, &attr, sizeof(attr))));
}

// What the traffic must have produced in Prometheus before the dashboards are judged, so a
// failure says whether the traffic or a dashboard is at fault.
std::vector<std::string> Preconditions() {
  const std::string port = "port=\"" + std::string(kPortText) + "\"";
  return {"socket_syn_flood_active{" + port + "} == 1",
          "socket_port_scan_sources > 0",
          "socket_tcp_listen_drops_total{" + port + "} > 0",
          "socket_tcp_accept_queue_length{" + port + "} > 0",
          "socket_tcp_synack_retransmits_total{" + port + "} > 0",
          "socket_tcp_established{" + port + ",direction=\"outbound\"} > 0",
          "count(socket_suspicious_connections_total{" + port + "} > 0) >= 4",
          "sum(socket_tcp_resets_sent_total{reason=\"no_socket\"}) > 0",
          "sum(socket_tcp_retransmitted_segments_total{" + port + "}) > 0",
          "sum(socket_tcp_rtt_seconds_count{" + port + "}) > 0",
          "sum(socket_udp_sent_datagrams_total{" + port + "}) > 0",
          "socket_udp_drops_total{" + port + ",reason=\"receive_buffer\"} > 0",
          "socket_udp_receive_queue_bytes{" + port + "} > 0",
          "socket_udp_no_socket_total{" + port + "} > 0",
          "socket_port_scans_detected_total{protocol=\"udp\"} > 0"};
}

// The preconditions not yet met, after waiting at most `timeout` for all of them.
std::vector<std::string> WaitForPreconditions(const Prometheus& prom, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<std::string> missing;
  do {
    missing.clear();
    for (const std::string& q : Preconditions())
      if (prom.Instant(q, 0).samples == 0) missing.push_back(q);
    if (missing.empty()) break;
    std::this_thread::sleep_for(milliseconds(250));
  } while (Clock::now() < deadline);
  return missing;
}

class DashboardsTest : public VethExporterTest {
 protected:
  void SetUp() override {
    VethExporterTest::SetUp();
    ns_.Ip({"addr", "add", std::string(kServerHeld) + "/24", "dev", "se0"});
    client_.Ip({"addr", "add", std::string(kDenied) + "/24", "dev", "se0"});
    client_.Ip({"addr", "add", std::string(kClientHeld) + "/24", "dev", "se0"});
  }

  // Starts the exporter with the policy and Prometheus scraping it.
  ::testing::AssertionResult StartStack() {
    const std::string config = dir_.WriteFile("config.yml", kConfig);
    // Attributed as on a node, the traffic a pod's: the namespace and pod variables and the
    // by-workload panels need one.
    ::testing::AssertionResult started =
        StartExporter({"--config.file=" + config, "--attribution=cgroup",
                       "--path.runtime=" + pod_.bundle_root()});
    return started ? prometheus_.Start(exporter_->port()) : started;
  }

  // A counter series appears with its port's first count, and rate() cannot see that first
  // step: one half-open handshake on the main port makes the SYN-ACK retransmit series exist
  // before the flood adds to it.
  void Prime() {
    SendSpoofedSyns(
        client_,
        {.dst = VethLink::kServer4, .port_first = kPort, .count = 1, .src = "10.203.0.1/32"});
  }

  // Vertical scans of 30 closed ports from one source, UDP and TCP, 20 SYNs dropped by the full
  // accept queue, then a flood of 1000 SYN/s for at most 8 s on the main listener (left running).
  pid_t Attack() {
    client_.RunIn([] {
      const UniqueFd scanner = BindUdp({VethLink::kClient4, 0});
      for (uint16_t port = 7200; port < 7230; ++port)
        SendDatagrams(scanner.get(), {VethLink::kServer4, port}, 1, 8);
    });
    SendSpoofedSyns(client_, {.dst = VethLink::kServer4,
                              .port_first = 7100,
                              .port_last = 7129,
                              .count = 30,
                              .src = "10.201.7.7/32",
                              .rate = 200});
    SendSpoofedSyns(client_, {.dst = kServerHeld,
                              .port_first = kPort,
                              .count = 20,
                              .src = "10.202.0.0/16",
                              .rate = 200});
    return SpawnSpoofedSyns(
        client_, {.dst = VethLink::kServer4, .port_first = kPort, .count = 8000, .rate = 1000});
  }

  TempDir dir_{"se-e2e-dashboards-config"};
  Prometheus prometheus_;
  PodCgroup pod_{"shop", "web-7d9f", "server"};
};

TEST_F(DashboardsTest, EveryDashboardQueryReturnsData) {
  const Clock::time_point start = Clock::now();
  std::string error;
  const std::vector<Dashboard> dashboards = LoadDashboards(DashboardsDir(), &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_FALSE(dashboards.empty())
      << "no dashboards to check: " << DashboardsDir() << " has no *.json file";
  UniqueFd bpf_stats;
  if (AnyExprMentions(dashboards, "socket_exporter_bpf_program_run")) bpf_stats = EnableBpfStats();

  ASSERT_TRUE(StartStack());
  // The first data segments into the client are lost (every 8th, 12 in all): the server's
  // connections on kPort retransmit, both directions.
  DropDataSegments(client_);
  pod_.Enter();  // the traffic's sockets are the pod's
  Traffic traffic(ns_, client_);
  traffic.Start();
  std::this_thread::sleep_for(seconds(2));
  traffic.HoldOpen();
  Prime();
  // A few scrapes of steady traffic in Prometheus before the attacks.
  std::this_thread::sleep_for(seconds(3));
  Child flood(Attack());
  ASSERT_GT(flood.pid(), 0);
  const std::vector<std::string> missing = WaitForPreconditions(prometheus_, seconds(20));
  EXPECT_TRUE(missing.empty()) << "the test's traffic did not produce, in Prometheus:\n  "
                               << testing::PrintToString(missing);
  // Two more scrapes, so the newest series have two samples in every rate window.
  std::this_thread::sleep_for(seconds(2));

  const long range_s = std::lround(std::chrono::duration<double>(Clock::now() - start).count());
  Context context{.job = "socket_exporter",
                  .instance = "127.0.0.1:" + std::to_string(exporter_->port()),
                  .port = kPortText,
                  .range_seconds = range_s};
  std::vector<Checked> results = CheckDashboards(dashboards, context, prometheus_);
  // Again with $port at "All", the selection a dashboard offering it opens with.
  context.all_ports = true;
  for (Checked& r : CheckDashboards(dashboards, context, prometheus_))
    results.push_back(std::move(r));
  traffic.Stop();
  std::cout << traffic.rounds() << " traffic rounds; " << results.size() << " queries checked:\n"
            << FormatResults(results);
  for (const Checked& r : results) {
    if (!r.ok()) ADD_FAILURE() << r.Describe();
  }
  EXPECT_FALSE(results.empty()) << "the dashboards in " << DashboardsDir() << " hold no query";
}

}  // namespace
}  // namespace se::test
