// The container image tests' shared parts: podman with this suite's own containers.conf, the
// image built once per suite from a local debootstrap base, a container removed when a test
// ends, and the sidecar's seccomp profile.
#ifndef SE_E2E_CONTAINER_FIXTURE_H_
#define SE_E2E_CONTAINER_FIXTURE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "harness/command.h"
#include "harness/metrics_text.h"
#include "harness/netns.h"

namespace se::test {

constexpr char kImage[] = "localhost/socket_exporter:e2e";
constexpr char kBaseImage[] = "localhost/debian:bookworm";  // kept between runs
constexpr double kMaxImageBytes = 40e6;                     // the Dockerfile's size target
constexpr uint16_t kExporterPort = 9976;
constexpr uint16_t kServicePort = 8080;  // the same in both namespaces
// The capabilities a --netns=self sidecar needs (docs/security.md#privileges), as bits of
// /proc/PID/status: CAP_NET_ADMIN (12), CAP_PERFMON (38), CAP_BPF (39).
constexpr char kSidecarCaps[] = "BPF,PERFMON,NET_ADMIN";
constexpr uint64_t kSidecarCapMask = (1ULL << 12) | (1ULL << 38) | (1ULL << 39);

// Podman as this machine needs it: runc (crun fails on the hybrid cgroup layout), the cgroupfs
// manager, and the host network unless --network names another (never the NAT'ed bridge).
extern const char kContainersConf[];

CommandResult Podman(std::vector<std::string> args,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60));
// The last `n` characters of a command's output, for failure messages.
std::string Tail(const CommandResult& r, size_t n = 3000);
std::string Trim(std::string s);

// Built once for the suite; a reason to skip (podman cannot run) or to fail (anything else).
class ContainerImageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite() { std::filesystem::remove(conf_path_); }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(error_.empty()) << error_;
  }

  static std::string conf_path_;
  static std::string skip_;
  static std::string error_;
};

// A detached container removed by name when the test ends, passed or not.
class Container {
 public:
  explicit Container(std::vector<std::string> run_args)
      : name_("se-e2e-" + std::to_string(getpid())) {
    Podman({"rm", "--force", "--time=0", name_});  // a leftover of a killed run
    std::vector<std::string> args = {"run", "--detach", "--name", name_, "--pull=never"};
    args.insert(args.end(), run_args.begin(), run_args.end());
    started_ = Podman(args, std::chrono::seconds(120));
  }
  ~Container() { Podman({"rm", "--force", "--time=2", name_}, std::chrono::seconds(60)); }
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;

  const CommandResult& started() const { return started_; }
  const std::string& name() const { return name_; }
  std::string Logs() const {
    const CommandResult r = Podman({"logs", name_});
    return r.out + r.err;
  }
  std::string Inspect(const std::string& format) const {
    return Trim(Podman({"inspect", "--format", format, name_}).out);
  }

 private:
  std::string name_;
  CommandResult started_;
};

// Podman 4.3's default seccomp profile allows bpf() and perf_event_open() only with
// CAP_SYS_ADMIN; a copy that also allows them with CAP_BPF and CAP_PERFMON (as Docker's does).
// Returns its path, or "" with *error set.
std::string SidecarSeccompProfile(std::string* error);

// `podman run` arguments of the image as a sidecar joined to pod: read-only root, every
// capability dropped but kSidecarCaps, the given seccomp profile, --netns=self, and metrics on
// 127.0.0.1:kExporterPort inside pod.
std::vector<std::string> SidecarRunArgs(const Netns& pod, const std::string& seccomp);

// A temporary file removed when it goes.
struct RemoveFile {
  std::string path;
  ~RemoveFile();
};

// "CapEff:\t0000000000000000" of /proc/PID/status as a number (~0 when absent).
uint64_t StatusMask(const std::string& status, const std::string& key);

// Polls the exporter inside ns until `done` holds for a scrape, or the timeout passes.
ParsedMetrics ScrapeUntil(const Netns& ns, const std::function<bool(const ParsedMetrics&)>& done,
                          std::chrono::milliseconds timeout);

}  // namespace se::test

#endif  // SE_E2E_CONTAINER_FIXTURE_H_
