// Least privilege after start-up: every thread of a running exporter has no capabilities (or,
// with --netns=all, exactly the kept ones), no_new_privs and the seccomp filter, and every
// collector, the API, the live page and SIGHUP reloads still work under them. A forbidden
// system call kills the process with SIGSYS and one log line naming the call.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/exporter_process.h"
#include "harness/namespaced_test.h"
#include "harness/netns.h"
#include "harness/traffic.h"
#include "system/seccomp_filter.h"

namespace se::test {
namespace {

using std::chrono::seconds;

constexpr char kNoCaps[] = "0000000000000000";
constexpr char kFindings[] = "socket_suspicious_connections_total";

// "Key:\tvalue" lines of a /proc status file.
std::map<std::string, std::string> StatusFields(const std::string& path) {
  std::map<std::string, std::string> fields;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t value = line.find_first_not_of(" \t", colon + 1);
    fields[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
  }
  return fields;
}

std::vector<std::string> TaskStatusPaths(pid_t pid) {
  std::vector<std::string> paths;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (!d) return paths;
  while (const dirent* e = readdir(d))
    if (e->d_name[0] != '.') paths.push_back(dir + "/" + e->d_name + "/status");
  closedir(d);
  return paths;
}

// Checks the process and each of its threads; returns how many threads were checked.
size_t ExpectSandboxed(pid_t pid, const std::string& effective, const std::string& bounding,
                       bool main_thread_only = false) {
  std::vector<std::string> paths = TaskStatusPaths(pid);
  const size_t threads = paths.size();
  if (main_thread_only) paths.clear();
  paths.push_back("/proc/" + std::to_string(pid) + "/status");
  for (const std::string& path : paths) {
    auto f = StatusFields(path);
    SCOPED_TRACE(path + " (" + f["Name"] + ")");
    EXPECT_EQ(f["CapEff"], effective);
    EXPECT_EQ(f["CapPrm"], effective);
    EXPECT_EQ(f["CapInh"], kNoCaps);
    EXPECT_EQ(f["CapAmb"], kNoCaps);
    EXPECT_EQ(f["CapBnd"], bounding);
    EXPECT_EQ(f["NoNewPrivs"], "1");
    EXPECT_EQ(f["Seccomp"], "2");
    EXPECT_GE(std::atoi(f["Seccomp_filters"].c_str()), 1);
  }
  return threads;
}

// The collectors, the JSON API, the live page and an asset all answer under the sandbox.
void ExpectEveryEndpointServes(const ExporterProcess& exporter) {
  const ParsedMetrics m = exporter.Scrape();
  const auto collectors = m.Matching("socket_exporter_scrape_collector_success");
  EXPECT_GE(collectors.size(), 6u) << m.Dump("socket_exporter_scrape_collector_success");
  for (const auto& s : collectors) EXPECT_EQ(s.value, 1) << FormatLabels(s.labels);
  for (const char* path :
       {"/api/v1/ports", "/api/v1/history", "/api/v1/findings", "/", "/assets/live.js"})
    EXPECT_EQ(exporter.Get(path).status, 200) << path;
}

class ExporterPrivilegesTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& path : {config_, events_, events_ + ".1"}) unlink(path.c_str());
  }
  Netns ns_{CurrentTestTag()};
  std::string config_ = MakeTempFile("se-priv-config");
  std::string events_ = MakeTempFile("se-priv-events");
};

// --netns=self, run inside the test's namespace so the counts are exactly its traffic.
TEST_F(ExporterPrivilegesTest, EveryThreadRunsWithoutCapabilitiesAndEverythingStillWorks) {
  std::ofstream(config_) << "policy:\n  denied_sources: [\"10.99.0.0/16\"]\n";
  ExporterProcess exporter({"--config.file=" + config_, "--events.file=" + events_}, &ns_);
  ASSERT_TRUE(exporter.Start());
  ExpectEveryEndpointServes(exporter);  // the HTTP workers exist from here on
  EXPECT_GE(ExpectSandboxed(exporter.pid(), kNoCaps, kNoCaps), 3u);

  constexpr uint16_t kPort = 7301;
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({kLoopback4, kPort}, 64); });
  std::map<int, int> outcomes;
  ns_.RunIn([&] { outcomes = ConnectMany({kLoopback4, kPort}, 7, {}, seconds(5)); });
  EXPECT_EQ(outcomes, (std::map<int, int>{{0, 7}}));
  ExpectedValues want = {{"socket_tcp_accepts_total", PortLabels(kPort), 7},
                         {"socket_tcp_connects_total", PortLabels(kPort), 7}};
  ExpectValues(exporter.ScrapeUntil(Reached(want)), want);

  // A reload with a new rule (loopback denied) goes through the policy maps.
  std::ofstream(config_) << "policy:\n  denied_sources: [\"127.0.0.0/8\"]\n";
  const std::string rotated = events_ + ".1";
  ASSERT_EQ(rename(events_.c_str(), rotated.c_str()), 0);
  ASSERT_EQ(kill(exporter.pid(), SIGHUP), 0);
  const ExpectedValues reloaded = {{"socket_exporter_config_last_reload_successful", {}, 1}};
  ExpectValues(exporter.ScrapeUntil([&](const ParsedMetrics& m) {
    return AllReached(m, reloaded) &&
           exporter.Stderr().find("configuration reloaded") != std::string::npos;
  }),
               reloaded);
  ns_.RunIn([&] { outcomes = ConnectMany({kLoopback4, kPort}, 3, {}, seconds(5)); });
  want = {{kFindings, {{"port", std::to_string(kPort)}, {"rule", "denied_source"}}, 3}};
  ExpectValues(exporter.ScrapeUntil(Reached(want)), want);
  EXPECT_NE(ReadFile(events_).find("\"rule\":\"denied_source\""), std::string::npos)
      << ReadFile(events_);

  ExpectEveryEndpointServes(exporter);
  ExpectSandboxed(exporter.pid(), kNoCaps, kNoCaps);
  EXPECT_TRUE(exporter.Running()) << exporter.Stderr();
  EXPECT_EQ(exporter.Stop(), 0) << exporter.Stderr();
}

// --netns=all keeps CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19) and CAP_SYS_ADMIN (21), and
// with them still enters a namespace created after start-up.
TEST(ExporterPrivilegesAllNetns, KeepsOnlyWhatEnteringNewNamespacesNeeds) {
  constexpr char kKept[] = "0000000000280004";
  constexpr uint16_t kPort = 7302;
  ExporterProcess exporter({"--netns=all", "--ports.track=" + std::to_string(kPort)});
  ASSERT_TRUE(exporter.Start());
  exporter.Scrape();
  ExpectSandboxed(exporter.pid(), kKept, kKept);
  const std::string log = exporter.Stderr();
  EXPECT_NE(log.find("capability=cap_sys_admin"), std::string::npos) << log;

  Netns late(CurrentTestTag() + "-late");
  UniqueFd listener;
  late.RunIn([&] { listener = ListenTcp({kLoopback4, kPort}, 16); });
  const ExpectedValues want = {{"socket_listener_info",
                                {{"protocol", "tcp"},
                                 {"address", kLoopback4},
                                 {"port", std::to_string(kPort)},
                                 {"process", ProcessComm(getpid())}},
                                1}};
  ExpectValues(exporter.ScrapeUntil(Reached(want)), want);
  ExpectEveryEndpointServes(exporter);
  EXPECT_EQ(exporter.Stop(), 0) << exporter.Stderr();
}

// The owner helper keeps CAP_DAC_READ_SEARCH (2) and CAP_SYS_PTRACE (19) alone.
constexpr char kHelperCaps[] = "0000000000080004";

// pid, comm and ppid from /proc/PID/stat; false if the process is gone or a zombie.
bool ReadStat(pid_t pid, std::string* comm, pid_t* ppid) {
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t open = stat.find('('), close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 4 >= stat.size())
    return false;
  *comm = stat.substr(open + 1, close - open - 1);
  *ppid = std::atoi(stat.c_str() + close + 4);
  const char state = stat[close + 2];
  return state != 'Z' && state != 'X';
}

// The exporter's child named "se-owners", or -1.
pid_t FindOwnerHelper(pid_t exporter) {
  DIR* d = opendir("/proc");
  pid_t found = -1;
  while (const dirent* e = d ? readdir(d) : nullptr) {
    const pid_t pid = std::atoi(e->d_name);
    std::string comm;
    pid_t ppid = 0;
    if (pid > 0 && ReadStat(pid, &comm, &ppid) && ppid == exporter && comm == "se-owners")
      found = pid;
  }
  if (d) closedir(d);
  return found;
}

bool GoneWithin(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string comm;
  pid_t ppid = 0;
  while (ReadStat(pid, &comm, &ppid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    usleep(10 * 1000);
  }
  return true;
}

// fd number -> link target of every open fd of pid.
std::map<std::string, std::string> OpenFds(pid_t pid) {
  std::map<std::string, std::string> fds;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  while (const dirent* e = d ? readdir(d) : nullptr) {
    if (e->d_name[0] == '.') continue;
    char target[256];
    const ssize_t n = readlink((dir + "/" + e->d_name).c_str(), target, sizeof(target));
    fds[e->d_name] = n > 0 ? std::string(target, n) : "?";
  }
  if (d) closedir(d);
  return fds;
}

ExpectedValues ListenerNamed(uint16_t port, const std::string& process) {
  return {{"socket_listener_info",
           {{"protocol", "tcp"},
            {"address", kLoopback4},
            {"port", std::to_string(port)},
            {"process", process}},
           1}};
}

// The helper runs with two capabilities, its own filter and no fd but its socket, names the
// owners of listeners, and does not outlive the exporter, whichever signal ends it.
TEST_F(ExporterPrivilegesTest, OwnerHelperKeepsTwoCapabilitiesOneSocketAndDiesWithTheExporter) {
  constexpr uint16_t kPort = 7303;
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({kLoopback4, kPort}, 16); });
  for (int signal : {SIGTERM, SIGKILL}) {
    SCOPED_TRACE(signal == SIGTERM ? "SIGTERM" : "SIGKILL");
    ExporterProcess exporter({}, &ns_);
    ASSERT_TRUE(exporter.Start());
    const pid_t helper = FindOwnerHelper(exporter.pid());
    ASSERT_GT(helper, 0) << exporter.Stderr();
#ifdef __SANITIZE_THREAD__
    // TSan restarts its own thread in a forked child; only the helper's thread drops.
    EXPECT_EQ(ExpectSandboxed(helper, kHelperCaps, kHelperCaps, /*main_thread_only=*/true), 2u);
#else
    EXPECT_EQ(ExpectSandboxed(helper, kHelperCaps, kHelperCaps), 1u);  // one thread
#endif
    const auto fds = OpenFds(helper);
    size_t sockets = 0;
    for (const auto& [fd, target] : fds) sockets += target.rfind("socket:[", 0) == 0;
    EXPECT_EQ(fds.size(), 4u);
    EXPECT_EQ(sockets, 1u);
    for (const char* fd : {"0", "1", "2"}) EXPECT_EQ(fds.count(fd), 1u) << fd;
    const ExpectedValues named = ListenerNamed(kPort, ProcessComm(getpid()));
    ExpectValues(exporter.ScrapeUntil(Reached(named)), named);
    exporter.Stop(signal);
    EXPECT_TRUE(GoneWithin(helper, std::chrono::seconds(1)));
  }
}

// Without its helper the exporter goes on serving: new listeners are reported without a process
// name, every collector succeeds, and the loss is logged once, not at every scrape.
TEST_F(ExporterPrivilegesTest, KilledOwnerHelperLeavesTheExporterServingWithOneWarning) {
  constexpr uint16_t kPort = 7304;
  UniqueFd listener;
  ns_.RunIn([&] { listener = ListenTcp({kLoopback4, kPort}, 16); });
  ExporterProcess exporter({}, &ns_);
  ASSERT_TRUE(exporter.Start());
  const ExpectedValues named = ListenerNamed(kPort, ProcessComm(getpid()));
  ExpectValues(exporter.ScrapeUntil(Reached(named)), named);
  const pid_t helper = FindOwnerHelper(exporter.pid());
  ASSERT_GT(helper, 0) << exporter.Stderr();
  ASSERT_EQ(kill(helper, SIGKILL), 0);
  ASSERT_TRUE(GoneWithin(helper, std::chrono::seconds(1)));

  // A listener seen before keeps the name found for it; one opened now finds no helper.
  UniqueFd later;
  ns_.RunIn([&] { later = ListenTcp({kLoopback4, kPort + 1}, 16); });
  ExpectedValues both = ListenerNamed(kPort + 1, "");
  both.push_back(named[0]);
  ExpectValues(exporter.ScrapeUntil(Reached(both)), both);
  ExpectEveryEndpointServes(exporter);
  ExpectEveryEndpointServes(exporter);
  EXPECT_TRUE(exporter.Running());
  std::vector<std::string> warnings;
  for (const std::string& line : NonEmptyLines(exporter.Stderr()))
    if (line.find("level=warn") != std::string::npos) warnings.push_back(line);
  ASSERT_EQ(warnings.size(), 1u) << exporter.Stderr();
  EXPECT_NE(warnings[0].find("socket owner lookup unavailable: the helper exited; process names "
                             "will be empty"),
            std::string::npos)
      << warnings[0];
  EXPECT_EQ(exporter.Stop(), 0) << exporter.Stderr();
}

struct Violation {
  int signal = 0;
  std::string stderr_text;
};

// Forks a child that installs the filter and makes a call it does not allow.
Violation ForbiddenCallInChild(LogFormat format) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return {};
  const pid_t child = fork();
  if (child == 0) {
    dup2(pipe_fds[1], STDERR_FILENO);
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    std::string error;
    if (!InstallSeccomp({format, false}, &error)) _exit(3);
    syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0, nullptr);
    _exit(4);  // not reached: the call must kill the child
  }
  close(pipe_fds[1]);
  Violation v;
  char buf[512];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof(buf))) > 0;) v.stderr_text.append(buf, n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  v.signal = WIFSIGNALED(status) ? WTERMSIG(status) : -WEXITSTATUS(status);
  return v;
}

// TSan delivers signals through its own handler, so the handler's re-raise does not kill the
// process there and its fallback, exit status 128 + SIGSYS, ends it instead.
#if defined(__SANITIZE_THREAD__)
constexpr int kDeath = -(128 + SIGSYS);
#else
constexpr int kDeath = SIGSYS;
#endif

TEST(SeccompViolation, KillsTheProcessBySigsysWithOneLogLineNamingTheCall) {
  const Violation logfmt = ForbiddenCallInChild(LogFormat::kLogfmt);
  EXPECT_EQ(logfmt.signal, kDeath) << logfmt.stderr_text;
  const std::vector<std::string> lines = NonEmptyLines(logfmt.stderr_text);
  ASSERT_EQ(lines.size(), 1u) << logfmt.stderr_text;
  EXPECT_EQ(lines[0].rfind("ts=20", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(" level=error msg=\"forbidden system call; exiting\" syscall=mount "
                          "number=" +
                          std::to_string(SYS_mount) + " arch="),
            std::string::npos)
      << lines[0];

  const Violation json = ForbiddenCallInChild(LogFormat::kJson);
  EXPECT_EQ(json.signal, kDeath) << json.stderr_text;
  ASSERT_EQ(NonEmptyLines(json.stderr_text).size(), 1u) << json.stderr_text;
  EXPECT_NE(json.stderr_text.find("\"level\":\"error\",\"msg\":\"forbidden system call; "
                                  "exiting\",\"syscall\":\"mount\""),
            std::string::npos)
      << json.stderr_text;
}

}  // namespace
}  // namespace se::test
