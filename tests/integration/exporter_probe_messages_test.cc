// Start-up messages of probes that cannot attach: the SYN counter without a cgroup v2 mount
// (as under `ip netns exec`, which mounts a fresh /sys) and without CAP_NET_ADMIN. The
// exporter says what is missing and how to fix it in one line, and serves the rest.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness/command.h"
#include "harness/exporter_process.h"
#include "harness/http_client.h"
#include "harness/metrics_text.h"
#include "harness/netns.h"

namespace se::test {
namespace {

using std::chrono::seconds;

constexpr char kAttached[] = "socket_exporter_probe_attached";
constexpr char kNoCgroup[] =
    "no cgroup v2 mount in /proc/self/mounts (under `ip netns exec`, mount it with `mount -t "
    "cgroup2 none /sys/fs/cgroup`, or run the exporter with nsenter); SYN counting is off";

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
  ASSERT_TRUE(exporter.Start());
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

TEST(ExporterProbeMessagesTest, StrictModeWithoutCgroupV2ExitsNamingTheMissingMount) {
  Netns ns("strictnocg");
  const CommandResult r = RunExporterToExit(
      {"--web.listen-address=127.0.0.1:" + std::to_string(PickFreePort()), "--probes.strict"},
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
  const std::vector<std::string> lines =
      LinesWith(exporter.Stderr(), "msg=\"probe failed to attach, serving without it\"");
  ASSERT_EQ(lines.size(), 1u) << exporter.Stderr();
  EXPECT_NE(lines[0].find("probe=syn_ingress"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("needs CAP_NET_ADMIN"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("SYN counting is off"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace se::test
