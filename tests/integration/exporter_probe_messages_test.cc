// Start-up messages of probes that cannot attach: the SYN counter without a cgroup v2 mount
// (as under `ip netns exec`, which mounts a fresh /sys) and without CAP_NET_ADMIN. The
// exporter says what is missing and how to fix it in one line, and serves the rest.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/command.h"
#include "harness/exporter_process.h"
#include "harness/http_client.h"
#include "harness/metrics_text.h"
#include "harness/netns.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using std::chrono::seconds;

constexpr char kAttached[] = "socket_exporter_probe_attached";
constexpr char kNoCgroup[] =
    "no cgroup v2 mount in /proc/self/mounts (under `ip netns exec`, mount it with `mount -t "
    "cgroup2 none /sys/fs/cgroup`, run the exporter with nsenter, or count SYNs at TC ingress "
    "with --probes.syn-hook=tc); SYN counting is off, and UDP datagrams received are not counted";

// The exporter started through a wrapper command (ip netns exec, setpriv), listening inside
// `ns` and scraped from there.
class WrappedExporter {
 public:
  WrappedExporter(const Netns& ns, std::vector<std::string> wrapper, bool spawn_in_ns)
      : ns_(ns), wrapper_(std::move(wrapper)), spawn_in_ns_(spawn_in_ns) {}
  ~WrappedExporter() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      WaitForExit(pid_, seconds(5));
    }
    unlink(stderr_path_.c_str());
  }

  ::testing::AssertionResult Start(const std::vector<std::string>& args = {}) {
    ns_.RunIn([&] { port_ = PickFreePort(); });
    std::vector<std::string> argv = wrapper_;
    argv.push_back(ExporterBinary());
    argv.push_back("--web.listen-address=127.0.0.1:" + std::to_string(port_));
    argv.insert(argv.end(), args.begin(), args.end());
    const int err_fd = open(stderr_path_.c_str(), O_WRONLY | O_CLOEXEC);
    pid_ = Spawn(argv, {-1, err_fd, spawn_in_ns_ ? ns_.Path() : ""});
    close(err_fd);
    for (auto deadline = std::chrono::steady_clock::now() + seconds(10);
         std::chrono::steady_clock::now() < deadline;) {
      if (WaitForExit(pid_, std::chrono::milliseconds(0)) != kTimedOut) {
        pid_ = -1;
        return ::testing::AssertionFailure() << "exited before ready; stderr:\n" << Stderr();
      }
      if (Get("/-/ready").status == 200) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return ::testing::AssertionFailure() << "not ready within 10 s; stderr:\n" << Stderr();
  }
  HttpResponse Get(const std::string& path) const {
    HttpResponse r;
    ns_.RunIn([&] { r = se::test::Scrape(port_, path); });
    return r;
  }
  ParsedMetrics Metrics() const { return ParsedMetrics::Parse(Get("/metrics").body); }
  // Scrapes until done(metrics) holds, for up to 5 s; the last scrape either way.
  ParsedMetrics MetricsWhen(const std::function<bool(const ParsedMetrics&)>& done) const {
    ParsedMetrics m = Metrics();
    for (int i = 0; i < 50 && !done(m); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      m = Metrics();
    }
    return m;
  }
  std::string Stderr() const { return ReadFile(stderr_path_); }
  int Stop() {
    kill(pid_, SIGTERM);
    const int code = WaitForExit(pid_, seconds(10));
    if (code != kTimedOut) pid_ = -1;
    return code;
  }

 private:
  const Netns& ns_;
  std::vector<std::string> wrapper_;
  bool spawn_in_ns_;
  std::string stderr_path_ = MakeTempFile("se-wrapped-stderr");
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// Lines of `text` that contain `needle`.
std::vector<std::string> LinesWith(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  for (const std::string& line : NonEmptyLines(text)) {
    if (line.find(needle) != std::string::npos) out.push_back(line);
  }
  return out;
}

TEST(ExporterProbeMessagesTest, UnderIpNetnsExecTheSynCounterSaysCgroupV2IsMissingAndRestServes) {
  Netns ns("nocgroup");
  WrappedExporter exporter(ns, {"ip", "netns", "exec", ns.Name()}, false);
  ASSERT_TRUE(exporter.Start({"--probes.syn-hook=cgroup"}));
  const ParsedMetrics m = exporter.Metrics();
  EXPECT_EQ(m.Value(kAttached, {{"probe", "syn_ingress"}}), 0);
  EXPECT_EQ(m.Value(kAttached, {{"probe", "inet_sock_set_state"}}), 1);
  EXPECT_EQ(m.Value(kAttached, {{"probe", "tcp_send_reset"}}), 1);
  const std::vector<std::string> lines = LinesWith(exporter.Stderr(), "probe=syn_ingress");
  ASSERT_EQ(lines.size(), 1u) << exporter.Stderr();
  EXPECT_NE(lines[0].find("level=warn"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(kNoCgroup), std::string::npos) << lines[0];
  EXPECT_EQ(exporter.Stop(), 0) << exporter.Stderr();
}

TEST(ExporterProbeMessagesTest, UnderIpNetnsExecWithCgroupV2MountedTheSynCounterAttaches) {
  Netns ns("cgroupback");
  // The fix the message gives, in ip netns exec's private mount namespace.
  WrappedExporter exporter(ns,
                           {"ip", "netns", "exec", ns.Name(), "sh", "-c",
                            "mount -t cgroup2 none /sys/fs/cgroup && exec \"$0\" \"$@\""},
                           false);
  ASSERT_TRUE(exporter.Start());
  EXPECT_EQ(exporter.Metrics().Value(kAttached, {{"probe", "syn_ingress"}}), 1)
      << exporter.Stderr();
  EXPECT_EQ(exporter.Stderr().find("no cgroup v2 mount"), std::string::npos) << exporter.Stderr();
}

// Without a cgroup v2 mount of its own (a container, or ip netns exec), auto counts SYNs at TC
// ingress of the namespace's interfaces, and says why.
TEST(ExporterProbeMessagesTest, UnderIpNetnsExecAutoCountsSynsAtTcIngressAndSaysWhy) {
  Netns ns("autotc");
  constexpr uint16_t kPort = 7090;
  constexpr int kConnects = 6;
  UniqueFd listener;
  ns.RunIn([&] { listener = ListenTcp({kLoopback4, kPort}, 16); });
  WrappedExporter exporter(ns, {"ip", "netns", "exec", ns.Name()}, false);
  ASSERT_TRUE(exporter.Start());
  const std::vector<std::string> hook = LinesWith(exporter.Stderr(), "msg=\"SYN counter hook\"");
  ASSERT_EQ(hook.size(), 1u) << exporter.Stderr();
  EXPECT_NE(hook[0].find("hook=tc why=\"no cgroup v2 mount here\""), std::string::npos) << hook[0];
  std::vector<UniqueFd> clients;
  ns.RunIn([&] { clients = OpenConnections({kLoopback4, kPort}, kConnects); });
  ASSERT_EQ(clients.size(), static_cast<size_t>(kConnects));
  const ParsedMetrics m = exporter.MetricsWhen([&](const ParsedMetrics& s) {
    return s.Value("socket_tcp_syns_received_total", {{"port", "7090"}}) >= kConnects;
  });
  EXPECT_EQ(m.Value("socket_tcp_syns_received_total", {{"port", "7090"}}), kConnects)
      << m.Dump("socket_tcp_syns_received_total");
  EXPECT_EQ(m.Value(kAttached, {{"probe", "syn_tc_ingress"}}), 1);
  EXPECT_FALSE(m.Has(kAttached, {{"probe", "syn_ingress"}})) << m.Dump(kAttached);
  EXPECT_TRUE(LinesWith(exporter.Stderr(), "level=warn").empty()) << exporter.Stderr();
  EXPECT_EQ(exporter.Stop(), 0) << exporter.Stderr();
}

// The sidecar's situation without a container: the exporter in a cgroup namespace of its own,
// whose cgroup v2 mount is one cgroup. auto counts at TC ingress; the cgroup hook, forced,
// attaches there, misses the test's sockets (outside that cgroup) and says so.
class CgroupNamespaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& line : NonEmptyLines(ReadFile("/proc/self/mounts"))) {
      std::istringstream fields(line);
      std::string dev, path, type;
      if (fields >> dev >> path >> type && type == "cgroup2") mount_ = path;
    }
    ASSERT_FALSE(mount_.empty()) << "no cgroup v2 mount on this host";
    group_ = mount_ + "/se-cgns-" + std::to_string(getpid());
    ASSERT_EQ(mkdir(group_.c_str(), 0755), 0) << group_;
  }
  void TearDown() override {
    exporter_.reset();  // its processes leave the group before it goes
    if (!group_.empty()) rmdir(group_.c_str());
  }
  // Starts the exporter in group_, a new cgroup namespace rooted there and ns_.
  ::testing::AssertionResult Start(const std::vector<std::string>& args) {
    const std::string inner = "mount -t cgroup2 none /sys/fs/cgroup && exec \"$0\" \"$@\"";
    exporter_ = std::make_unique<WrappedExporter>(
        ns_,
        std::vector<std::string>{"sh", "-c",
                                 "echo $$ > " + group_ + "/cgroup.procs && exec ip netns exec " +
                                     ns_.Name() + " unshare -C sh -c '" + inner +
                                     "' \"$0\" \"$@\""},
        false);
    return exporter_->Start(args);
  }
  // Six connections to a listener of the test's own (outside group_).
  std::vector<UniqueFd> Connect() {
    std::vector<UniqueFd> fds;
    ns_.RunIn([&] {
      fds.push_back(ListenTcp({kLoopback4, kPort}, 16));
      for (UniqueFd& c : OpenConnections({kLoopback4, kPort}, kConnects))
        fds.push_back(std::move(c));
    });
    return fds;
  }
  static constexpr uint16_t kPort = 7091;
  static constexpr int kConnects = 6;
  Netns ns_{"cgns"};
  std::string mount_, group_;
  std::unique_ptr<WrappedExporter> exporter_;
};

TEST_F(CgroupNamespaceTest, AutoCountsSynsAtTcIngressAndSaysWhy) {
  ASSERT_TRUE(Start({}));
  const std::vector<std::string> hook = LinesWith(exporter_->Stderr(), "msg=\"SYN counter hook\"");
  ASSERT_EQ(hook.size(), 1u) << exporter_->Stderr();
  EXPECT_NE(hook[0].find("hook=tc why=\"the cgroup v2 mount here is one cgroup, not the "
                         "hierarchy's root\""),
            std::string::npos)
      << hook[0];
  const std::vector<UniqueFd> fds = Connect();
  const ParsedMetrics m = exporter_->MetricsWhen([](const ParsedMetrics& s) {
    return s.Value("socket_tcp_syns_received_total", {{"port", "7091"}}) >= kConnects;
  });
  EXPECT_EQ(m.Value("socket_tcp_syns_received_total", {{"port", "7091"}}), kConnects)
      << m.Dump("socket_tcp_syns_received_total") << exporter_->Stderr();
}

TEST_F(CgroupNamespaceTest, TheCgroupHookForcedThereWarnsThatItMissesSockets) {
  ASSERT_TRUE(Start({"--probes.syn-hook=cgroup"}));
  const std::vector<std::string> warn = LinesWith(exporter_->Stderr(), "SYN counter misses");
  ASSERT_EQ(warn.size(), 1u) << exporter_->Stderr();
  EXPECT_NE(warn[0].find("level=warn"), std::string::npos) << warn[0];
  EXPECT_NE(warn[0].find("is one cgroup, not the hierarchy's root"), std::string::npos) << warn[0];
  EXPECT_NE(warn[0].find("--probes.syn-hook=tc"), std::string::npos) << warn[0];
  const std::vector<UniqueFd> fds = Connect();
  const ParsedMetrics m = exporter_->MetricsWhen([](const ParsedMetrics& s) {
    return s.Value("socket_tcp_accepts_total", {{"port", "7091"}}) >= kConnects;
  });
  // The tracepoints count the connections; the cgroup_skb program never saw their SYNs, only
  // those of the exporter's own HTTP socket, the one socket in its cgroup.
  EXPECT_EQ(m.Value("socket_tcp_accepts_total", {{"port", "7091"}}), kConnects)
      << m.Dump("socket_tcp_accepts_total");
  EXPECT_EQ(m.Sum("socket_tcp_syns_received_total", {{"port", "7091"}}), 0)
      << m.Dump("socket_tcp_syns_received_total");
  EXPECT_GT(m.Sum("socket_tcp_syns_received_total"), 0) << m.Dump("socket_tcp_syns_received_total");
  EXPECT_EQ(m.Value(kAttached, {{"probe", "syn_ingress"}}), 1);
}

TEST(ExporterProbeMessagesTest, StrictModeWithoutCgroupV2ExitsNamingTheMissingMount) {
  Netns ns("strictnocg");
  const CommandResult r =
      RunExporterToExit({"--web.listen-address=127.0.0.1:" + std::to_string(PickFreePort()),
                         "--probes.strict", "--probes.syn-hook=cgroup"},
                        seconds(10), {"ip", "netns", "exec", ns.Name()});
  ASSERT_FALSE(r.timed_out()) << r.err;
  EXPECT_NE(r.exit_code, 0);
  const std::vector<std::string> lines = NonEmptyLines(r.err);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("probe syn_ingress failed to attach: no cgroup v2 mount in "
                              "/proc/self/mounts"),
            std::string::npos)
      << r.err;
  EXPECT_NE(lines.back().find("--probes.strict"), std::string::npos) << lines.back();
}

TEST(ExporterProbeMessagesTest, WithoutCapNetAdminTheSynCounterWarningNamesIt) {
  ASSERT_TRUE(InPath("setpriv")) << "setpriv (util-linux) is needed to drop capabilities";
  Netns ns("nonetadmin");
  // CAP_SYS_ADMIN would stand in for CAP_NET_ADMIN, so both go.
  WrappedExporter exporter(
      ns, {"setpriv", "--inh-caps=-net_admin,-sys_admin", "--bounding-set=-net_admin,-sys_admin"},
      true);
  ASSERT_TRUE(exporter.Start());
  const ParsedMetrics m = exporter.Metrics();
  EXPECT_EQ(m.Value(kAttached, {{"probe", "syn_ingress"}}), 0);
  EXPECT_EQ(m.Value(kAttached, {{"probe", "inet_sock_set_state"}}), 1);
  // UDP sends are counted by a tracepoint, which needs no CAP_NET_ADMIN.
  EXPECT_EQ(m.Value(kAttached, {{"probe", "udp_send"}}), 1);
  const std::vector<std::string> lines =
      LinesWith(exporter.Stderr(), "msg=\"probe failed to attach, serving without it\"");
  ASSERT_EQ(lines.size(), 1u) << exporter.Stderr();  // the cgroup_skb program
  EXPECT_NE(lines[0].find("probe=syn_ingress"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("needs CAP_NET_ADMIN"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("SYN counting is off, and UDP datagrams received are not counted"),
            std::string::npos)
      << lines[0];
}

TEST(ExporterProbeMessagesTest, WithoutCapNetAdminTheTcSynCounterWarningNamesIt) {
  ASSERT_TRUE(InPath("setpriv")) << "setpriv (util-linux) is needed to drop capabilities";
  Netns ns("tcnoadmin");
  WrappedExporter exporter(
      ns, {"setpriv", "--inh-caps=-net_admin,-sys_admin", "--bounding-set=-net_admin,-sys_admin"},
      true);
  ASSERT_TRUE(exporter.Start({"--probes.syn-hook=tc"}));
  const ParsedMetrics m = exporter.Metrics();
  EXPECT_EQ(m.Value(kAttached, {{"probe", "syn_tc_ingress"}}), 0);
  EXPECT_EQ(m.Value(kAttached, {{"probe", "inet_sock_set_state"}}), 1);
  const std::vector<std::string> lines =
      LinesWith(exporter.Stderr(), "msg=\"probe failed to attach, serving without it\"");
  ASSERT_EQ(lines.size(), 1u) << exporter.Stderr();
  EXPECT_NE(lines[0].find("probe=syn_tc_ingress"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("attaching a TC program needs CAP_NET_ADMIN"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("SYN counting is off"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace se::test
