// Per-workload attribution (--attribution=cgroup) on the real kernel: the test process moves
// itself between cgroups it creates under the cgroup v2 root, all in one network namespace (the
// host-network case), and every socket counts under the cgroup it was created in (accepted
// sockets under their listener's). Counts are exact, summed over workloads they are the
// namespace's own totals (nstat), a removed cgroup's series go, and its slot is reused without
// its counts.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/pod_cgroup.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"
#include "system/cgroup_tree.h"

namespace se::test {
namespace {

constexpr char kAccepts[] = "socket_tcp_accepts_total";
constexpr char kConnects[] = "socket_tcp_connects_total";
constexpr char kFailures[] = "socket_tcp_connect_failures_total";

class ExporterWorkloadsTest : public NamespacedExporterTest {
 protected:
  void SetUp() override {
    root_ = Cgroup2Root();
    if (root_.empty()) GTEST_SKIP() << "no cgroup v2 mount in /proc/self/mounts";
    if (CgroupIdOf(root_) != kRootCgroupId)
      GTEST_SKIP() << "the cgroup v2 mount at " << root_ << " is not the hierarchy's root";
    home_ = Cgroup2Of("self");
    base_ = "/se-workloads-" + std::to_string(getpid());
    ASSERT_EQ(mkdir((root_ + base_).c_str(), 0755), 0) << root_ + base_;
  }
  void TearDown() override {
    if (base_.empty()) return;
    MoveTo(home_.empty() ? "/" : home_);
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) rmdir((root_ + *it).c_str());
    rmdir((root_ + base_).c_str());
  }
  // A cgroup below the test's base; returns its path below the root.
  std::string Make(const std::string& name) {
    const std::string path = base_ + "/" + name;
    EXPECT_EQ(mkdir((root_ + path).c_str(), 0755), 0) << path;
    made_.push_back(path);
    return path;
  }
  void Remove(const std::string& path) {
    ASSERT_EQ(rmdir((root_ + path).c_str()), 0) << path;
    made_.erase(std::find(made_.begin(), made_.end(), path));
  }
  // Moves this whole process (sockets created from now on belong to `path`).
  void MoveTo(const std::string& path) {
    std::ofstream procs(root_ + (path == "/" ? "" : path) + "/cgroup.procs");
    procs << getpid() << std::flush;
    ASSERT_TRUE(procs.good()) << "cannot move into " << path;
  }
  // The workload label of a cgroup below the root that no container or unit names.
  static std::string Workload(const std::string& path) { return path.substr(1); }

  std::string root_, home_, base_;
  std::vector<std::string> made_;
};

// `count` connections to a listener, each accepted and both ends closed.
void ConnectAndAccept(int listener, uint16_t port, int count) {
  std::vector<UniqueFd> clients = OpenConnections({kLoopback4, port}, count);
  for (int i = 0; i < count; ++i) UniqueFd(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
}

Labels Of(uint16_t port, const std::string& workload) {
  return PortLabels(port, {{"workload", workload}});
}

TEST_F(ExporterWorkloadsTest, EachCgroupsConnectionsCountUnderItsOwnWorkloadExactly) {
  ASSERT_TRUE(StartExporter({"--attribution=cgroup"}));
  const std::string a = Make("a"), b = Make("b");
  constexpr uint16_t kA = 7301, kB = 7302, kHost = 7303;
  UniqueFd la, lb, lh;
  const uint64_t passive = Nstat(ns_, "TcpPassiveOpens"), active = Nstat(ns_, "TcpActiveOpens");
  MoveTo(a);
  ns_.RunIn([&] { la = ListenTcp({kLoopback4, kA}, 64); });
  MoveTo(b);
  ns_.RunIn([&] { lb = ListenTcp({kLoopback4, kB}, 64); });
  MoveTo("/");
  ns_.RunIn([&] { lh = ListenTcp({kLoopback4, kHost}, 64); });
  MoveTo(a);
  ns_.RunIn([&] {
    ConnectAndAccept(la.get(), kA, 3);
    ConnectAndAccept(lb.get(), kB, 2);
  });
  MoveTo(b);
  ns_.RunIn([&] { ConnectAndAccept(lb.get(), kB, 4); });
  MoveTo("/");
  ns_.RunIn([&] {
    ConnectAndAccept(la.get(), kA, 1);
    ConnectAndAccept(lh.get(), kHost, 5);
  });

  const ExpectedValues want = {
      {kAccepts, Of(kA, Workload(a)), 3 + 1},  // accepted sockets are their listener's
      {kAccepts, Of(kB, Workload(b)), 2 + 4},
      {kAccepts, Of(kHost, "host"), 5},
      {kConnects, Of(kA, Workload(a)), 3},
      {kConnects, Of(kA, "host"), 1},
      {kConnects, Of(kB, Workload(a)), 2},
      {kConnects, Of(kB, Workload(b)), 4},
      {kConnects, Of(kHost, "host"), 5},
      {"socket_workload_info", {{"workload", Workload(a)}, {"cgroup", a}}, 1},
      {"socket_workload_info", {{"workload", Workload(b)}, {"cgroup", b}}, 1},
      {"socket_workload_info", {{"workload", "host"}, {"cgroup", "/"}}, 1},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want));
  ExpectValues(m, want);
  // Nothing else: summed over workloads and ports, the namespace's own counts.
  EXPECT_EQ(m.Sum(kAccepts), Nstat(ns_, "TcpPassiveOpens") - passive) << m.Dump(kAccepts);
  EXPECT_EQ(m.Sum(kConnects), Nstat(ns_, "TcpActiveOpens") - active) << m.Dump(kConnects);
  EXPECT_EQ(m.Sum(kAccepts), 15);
  EXPECT_EQ(m.Sum("socket_tcp_connection_duration_seconds_count", {{"workload", Workload(b)}}),
            2 * 4 + 2)  // b's 4 connections both ways, and the 2 it accepted from a
      << m.Dump("socket_tcp_connection_duration_seconds_count");
  EXPECT_EQ(m.Sum("socket_exporter_series_folded_total"), 0);
}

TEST_F(ExporterWorkloadsTest, ARemovedCgroupsSeriesGoAndItsSlotIsReusedWithoutItsCounts) {
  // One slot besides "host": the second cgroup folds into "other" until the first is gone.
  ASSERT_TRUE(
      StartExporter({"--attribution=cgroup", "--workloads.max=2", "--workloads.retention=1"}));
  const std::string a = Make("a"), b = Make("b"), c = Make("c");
  constexpr uint16_t kPort = 7311;
  UniqueFd listener;
  MoveTo(a);
  ns_.RunIn([&] {
    listener = ListenTcp({kLoopback4, kPort}, 64);
    ConnectAndAccept(listener.get(), kPort, 3);
  });
  MoveTo(b);
  ns_.RunIn([&] {
    UniqueFd l = ListenTcp({kLoopback4, kPort + 1}, 64);
    ConnectAndAccept(l.get(), kPort + 1, 2);
  });
  listener.reset();
  MoveTo("/");
  const ExpectedValues first = {
      {kAccepts, Of(kPort, Workload(a)), 3},
      {kAccepts, Of(kPort + 1, "other"), 2},
      {"socket_exporter_series_folded_total", {}, 2 + 2},  // b's connects and accepts
  };
  ExpectValues(exporter_->ScrapeUntil(Reached(first)), first);

  Remove(a);
  // Gone after the retention (1 s), the next check (every 5 s) and its release (3 ticks).
  const ParsedMetrics gone = exporter_->ScrapeUntil(
      [&](const ParsedMetrics& m) {
        return !m.Has(kAccepts, {{"workload", Workload(a)}});
      },
      std::chrono::seconds(20));
  EXPECT_FALSE(gone.Has(kAccepts, {{"workload", Workload(a)}})) << gone.Dump(kAccepts);
  EXPECT_FALSE(gone.Has("socket_workload_info", {{"workload", Workload(a)}}));
  // Its cells are cleared and freed over the next three detector ticks (one a second).
  std::this_thread::sleep_for(std::chrono::seconds(5));

  MoveTo(c);
  ns_.RunIn([&] {
    UniqueFd l = ListenTcp({kLoopback4, kPort}, 64);
    ConnectAndAccept(l.get(), kPort, 5);
  });
  MoveTo("/");
  const ExpectedValues reused = {
      {kAccepts, Of(kPort, Workload(c)), 5},  // a's 3 are not in it
      {kConnects, Of(kPort, Workload(c)), 5},
      {kAccepts, Of(kPort + 1, "other"), 2},
      {"socket_workload_info", {{"workload", Workload(c)}, {"cgroup", c}}, 1},
  };
  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(reused));
  ExpectValues(m, reused);
  EXPECT_EQ(m.Sum(kAccepts), 5 + 2) << m.Dump(kAccepts);
}

// A scan of every port from 2000 short-lived cgroups (thousands of workloads, far more than
// slots): the per-workload series stay within --metrics.max-series, and every connection is
// counted once.
TEST_F(ExporterWorkloadsTest, AScanFromManyCgroupsStaysWithinTheSeriesBudget) {
  constexpr int kCgroups = 2000, kPorts = 65535;
  constexpr int kBudget = 5000;
  ASSERT_TRUE(StartExporter(
      {"--attribution=cgroup", "--metrics.max-series=5000", "--workloads.retention=600"}));
  const uint64_t fails = Nstat(ns_, "TcpAttemptFails");
  int port = 1;
  for (int i = 0; i < kCgroups; ++i) {
    const std::string cg = Make("scan-" + std::to_string(i));
    MoveTo(cg);
    const int last = kPorts * (i + 1) / kCgroups;
    // From 127.0.0.2, so no connect can meet its own source port.
    ns_.RunIn([&] {
      for (; port <= last; ++port)
        ConnectTcp({kLoopback4, static_cast<uint16_t>(port)}, kIoTimeout, {0, 0, "127.0.0.2"});
    });
    MoveTo("/");
    Remove(cg);
  }
  ASSERT_EQ(Nstat(ns_, "TcpAttemptFails") - fails, uint64_t{kPorts});
  const ParsedMetrics m =
      exporter_->ScrapeUntil([&](const ParsedMetrics& p) { return p.Sum(kFailures) >= kPorts; });
  EXPECT_EQ(m.Sum(kFailures), kPorts) << m.Dump("socket_exporter_series_folded_total");
  size_t attributed = 0;
  for (const Sample& s : m.All()) {
    const auto w = s.labels.find("workload");
    if (s.name.rfind("socket_tcp_", 0) == 0 && w != s.labels.end() && w->second != "other")
      ++attributed;
  }
  EXPECT_LE(attributed, size_t{kBudget});
  EXPECT_GT(m.Sum("socket_exporter_series_folded_total"), 0);
  EXPECT_LE(m.Sum("socket_exporter_series"), kBudget + 129 * 105);  // + per-port "other"
}

// A crash-looping pod: its container restarts again and again, each time in a new cgroup
// (podman's cgroupfs layout) with the same names in a new bundle. However many restarts, the
// per-workload series stay within the budget and the slots, the newest cgroup keeps the key,
// and the per-port totals of the live view keep every connection after the gone restarts'
// series are recycled.
TEST_F(ExporterWorkloadsTest, ACrashLoopingPodNeverGrowsTheOutputPastTheBudget) {
  constexpr int kMaxRestarts = 40, kPerRestart = 2, kBudget = 1000;
  constexpr uint16_t kPort = 7321;
  const std::string bundles = "/tmp/se-bundles-" + std::to_string(getpid());
  ASSERT_EQ(mkdir(bundles.c_str(), 0700), 0);
  ASSERT_TRUE(
      StartExporter({"--attribution=cgroup", "--metrics.max-series=1000", "--workloads.max=4",
                     "--workloads.retention=0", "--path.runtime=" + bundles}));
  std::vector<std::string> ids;
  std::set<std::string> seen;  // workload label values
  // Until a recycled slot has named a restart: slots go after two checks 5 s apart and three
  // ticks, so this takes 15-25 s of restarts about a second apart.
  int restarts = 0;
  for (int i = 0; i < kMaxRestarts && seen.size() <= 3; ++i, ++restarts) {
    char id[65];
    std::snprintf(id, sizeof(id), "%016x%048x", static_cast<unsigned>(getpid()), i + 1);
    ids.push_back(id);
    ASSERT_EQ(mkdir((bundles + "/" + id).c_str(), 0700), 0);
    std::ofstream(bundles + "/" + id + "/config.json")
        << R"({"ociVersion":"1.0.2","annotations":{"io.kubernetes.cri.sandbox-name":"web",)"
        << R"("io.kubernetes.cri.sandbox-namespace":"shop","io.kubernetes.cri.container-name":"app"}})";
    const std::string cg = Make(std::string("libpod-") + id);
    MoveTo(cg);
    ns_.RunIn([&] {
      UniqueFd l = ListenTcp({kLoopback4, kPort}, 64);
      ConnectAndAccept(l.get(), kPort, kPerRestart);
    });
    MoveTo("/");
    // A restart lives until the exporter has named it (a detector tick or a scrape walks the
    // cgroup tree for a new id, at most once a second): about a second each.
    const ParsedMetrics m = exporter_->ScrapeUntil(
        [](const ParsedMetrics& p) {
          for (const std::string& w : p.LabelValues(kAccepts, "workload"))
            if (w.rfind("cgroup/", 0) == 0) return false;
          return true;
        },
        std::chrono::seconds(3));
    Remove(cg);
    size_t attributed = 0;
    for (const Sample& s : m.All()) {
      const auto w = s.labels.find("workload");
      if (s.name.rfind("socket_tcp_", 0) != 0 || w == s.labels.end() || w->second == "other")
        continue;
      ++attributed;
      seen.insert(w->second);
      EXPECT_EQ(w->second.rfind("shop/web/app", 0), 0u) << w->second;
      EXPECT_EQ(s.labels.at("pod"), "web");
    }
    EXPECT_LE(attributed, size_t{kBudget});
    EXPECT_LE(m.LabelValues(kAccepts, "workload").size(), 4u + 1) << m.Dump(kAccepts);
  }
  // Three slots besides "host", so more than three names means slots were reused; restarts
  // alive at once share the names, and all but the newest carry their cgroup id.
  EXPECT_GT(seen.size(), 3u);
  EXPECT_TRUE(seen.count("shop/web/app"));
  EXPECT_TRUE(std::any_of(seen.begin(), seen.end(),
                          [](const std::string& w) { return w.rfind("shop/web/app@", 0) == 0; }));
  for (const std::string& id : ids) {
    unlink((bundles + "/" + id + "/config.json").c_str());
    rmdir((bundles + "/" + id).c_str());
  }
  rmdir(bundles.c_str());
  // Every restart's cgroup is gone: their series go, and the per-port total stays exact.
  const ParsedMetrics m = exporter_->ScrapeUntil(
      [](const ParsedMetrics& p) {
        return p.LabelValues(kAccepts, "workload") == std::set<std::string>{"other"};
      },
      std::chrono::seconds(20));
  EXPECT_EQ(m.LabelValues(kAccepts, "workload"), std::set<std::string>{"other"})
      << m.Dump(kAccepts);
  const HttpResponse r = exporter_->Get("/api/v1/ports");
  const nlohmann::json ports = nlohmann::json::parse(r.body, nullptr, false);
  double accepts = -1;
  for (const auto& p : ports["ports"]) {
    if (p["port"] == std::to_string(kPort)) accepts = p["accepts"].get<double>();
  }
  EXPECT_EQ(accepts, restarts * kPerRestart) << r.body;
}

}  // namespace
}  // namespace se::test
