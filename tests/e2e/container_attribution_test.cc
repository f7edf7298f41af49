// Per-workload attribution with a real container runtime: two podman containers started with
// Kubernetes annotations (containerd's keys on one, CRI-O's on the other) each serve a port in a
// network namespace of the test's own. The exporter (--attribution=cgroup) names each one's
// namespace, pod and container from the config.json podman wrote, and counts its accepts
// exactly. The containers run the host's python3 from a bind-mounted /usr on an empty rootfs:
// no image and no registry. About 4 s (10 s on a busy machine), all of it podman and start-up:
// three `podman run`s (a probe and the two servers, ~0.5 s each), the exporter's start, polls
// of `podman logs` until both servers listen, and two `podman rm`s; the traffic takes ~50 ms.
#include <ftw.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "container_fixture.h"
#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/pod_cgroup.h"
#include "harness/traffic.h"
#include "parsers/container_directory.h"

namespace se::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

void Append(std::vector<std::string>* to, const std::vector<std::string>& more) {
  to->insert(to->end(), more.begin(), more.end());
}


// Accepts argv[2] connections on 127.0.0.1:argv[1], closing each, then idles until removed.
constexpr char kServer[] = R"(import socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket()
s.bind(("127.0.0.1", port))
s.listen(128)
print("listening", flush=True)
for _ in range(count):
    s.accept()[0].close()
print("served", count, flush=True)
time.sleep(3600)
)";

// One container of the test: its port, how many connections it gets, and its Kubernetes names
// as annotations in either runtime's keys.
struct Workload {
  uint16_t port;
  int connections;
  std::string pod_namespace, pod, container, pod_uid;
  bool crio_keys;

  std::string Name() const { return pod_namespace + "/" + pod + "/" + container; }
  std::vector<std::string> Annotations() const {
    const std::vector<std::string> keys =
        crio_keys
            ? std::vector<std::string>{"io.kubernetes.pod.namespace", "io.kubernetes.pod.name",
                                       "io.kubernetes.container.name", "io.kubernetes.pod.uid"}
            : std::vector<std::string>{
                  "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri.sandbox-name",
                  "io.kubernetes.cri.container-name", "io.kubernetes.cri.sandbox-uid"};
    const std::vector<std::string> values = {pod_namespace, pod, container, pod_uid};
    std::vector<std::string> args;
    for (size_t i = 0; i < keys.size(); ++i) {
      args.push_back("--annotation");
      args.push_back(keys[i] + "=" + values[i]);
    }
    return args;
  }
};

// Removes a tree the test made without leaving its filesystem, so a mount left inside it (the
// bind-mounted /usr, should one ever show through) is never descended into.
void RemoveTree(const std::string& path) {
  nftw(
      path.c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) {
        remove(p);
        return 0;
      },
      16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

// An empty root for `podman run --rootfs`: /usr comes from the host, read-only; the top-level
// links of a merged-/usr host are copied, other top-level directories bind-mounted too.
class HostRootfs {
 public:
  HostRootfs() : dir_("/tmp/se-e2e-attr-rootfs-" + std::to_string(getpid())) {
    RemoveTree(dir_);
    std::filesystem::create_directories(dir_ + "/usr");
    mounts_ = {"--volume", "/usr:/usr:ro"};
    for (const char* top : {"bin", "sbin", "lib", "lib64"}) {
      const std::filesystem::path host = std::string("/") + top;
      std::error_code ec;
      if (std::filesystem::is_symlink(host, ec)) {
        std::filesystem::create_symlink(std::filesystem::read_symlink(host), dir_ + host.string());
      } else if (std::filesystem::is_directory(host, ec)) {
        std::filesystem::create_directory(dir_ + host.string());
        mounts_.insert(mounts_.end(), {"--volume", host.string() + ":" + host.string() + ":ro"});
      }
    }
  }
  ~HostRootfs() { RemoveTree(dir_); }
  HostRootfs(const HostRootfs&) = delete;
  HostRootfs& operator=(const HostRootfs&) = delete;

  // `podman run` arguments that run `argv` on this root.
  std::vector<std::string> RunArgs(const std::vector<std::string>& argv) const {
    std::vector<std::string> args = mounts_;
    Append(&args, {"--rootfs", dir_});
    Append(&args, argv);
    return args;
  }

 private:
  std::string dir_;
  std::vector<std::string> mounts_;
};

// A detached container of the given name, removed by that name when it goes, passed or not.
class NamedContainer {
 public:
  NamedContainer(std::string name, const std::vector<std::string>& run_args)
      : name_(std::move(name)) {
    Podman({"rm", "--force", "--time=0", name_});  // a killed run's, whose pid was reused
    std::vector<std::string> args = {"run", "--detach", "--name", name_};
    Append(&args, run_args);
    started_ = Podman(args, seconds(60));
  }
  ~NamedContainer() { Podman({"rm", "--force", "--time=0", name_}, seconds(30)); }
  NamedContainer(const NamedContainer&) = delete;
  NamedContainer& operator=(const NamedContainer&) = delete;

  const CommandResult& started() const { return started_; }
  std::string Inspect(const std::string& format) const {
    return Trim(Podman({"inspect", "--format", format, name_}).out);
  }
  std::string Logs() const {
    const CommandResult r = Podman({"logs", name_});
    return r.out + r.err;
  }
  // Polls the container's output until it holds `text`; false after the timeout.
  bool WaitForLog(const std::string& text, milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      if (Logs().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

 private:
  std::string name_;
  CommandResult started_;
};

// Containers that a killed run left (its pid is gone), removed by the names it gave them.
void RemoveLeftovers() {
  std::istringstream names(
      Podman({"ps", "--all", "--format", "{{.Names}}", "--filter", "name=^se-e2e-attr-"}).out);
  for (std::string name; std::getline(names, name);) {
    const std::string pid = name.substr(name.rfind('-') + 1);
    if (!std::filesystem::exists("/proc/" + pid)) Podman({"rm", "--force", "--time=0", name});
  }
}


// The bundle root holding ROOT/ID/userdata/config.json.
std::string BundleRoot(const std::string& config_path) {
  return std::filesystem::path(config_path).parent_path().parent_path().parent_path().string();
}

class PodmanAttributionTest : public NamespacedExporterTest {
 protected:
  static void SetUpTestSuite() {
    conf_path_ = MakeTempFile("se-e2e-attr-containers-conf");
    std::ofstream(conf_path_) << kContainersConf;
    setenv("CONTAINERS_CONF", conf_path_.c_str(), 1);
  }
  static void TearDownTestSuite() { std::filesystem::remove(conf_path_); }

  // Skips only where podman cannot run a container at all; anything after that is a failure.
  void SetUp() override {
    if (!InPath("podman")) GTEST_SKIP() << "podman is not installed (tools/install-deps.sh --test)";
    ASSERT_TRUE(std::filesystem::exists("/usr/bin/python3"))
        << "the containers' server is the host's /usr/bin/python3 (tools/install-deps.sh --test)";
    RemoveLeftovers();
    std::vector<std::string> args = {"run", "--rm"};
    Append(&args, rootfs_.RunArgs({"/usr/bin/true"}));
    const CommandResult probe = Podman(args, seconds(60));
    if (probe.exit_code != 0) {
      std::string why = Trim(probe.err.empty() ? probe.out : probe.err);
      why = why.substr(0, why.find('\n'));
      GTEST_SKIP() << "podman cannot run a container here: " << why;
    }
  }

  // Starts w's server in a container joined to the test's namespace.
  std::unique_ptr<NamedContainer> Run(const Workload& w) const {
    std::vector<std::string> args = {"--network", "ns:" + ns_.Path()};
    Append(&args, w.Annotations());
    Append(&args, rootfs_.RunArgs({"/usr/bin/python3", "-c", kServer, std::to_string(w.port),
                                   std::to_string(w.connections)}));
    return std::make_unique<NamedContainer>("se-e2e-attr-" + w.pod + "-" + std::to_string(getpid()),
                                            args);
  }

  static std::string conf_path_;
  HostRootfs rootfs_;
};

std::string PodmanAttributionTest::conf_path_;

TEST_F(PodmanAttributionTest, NamesEachContainerFromItsBundleAndCountsItsAcceptsExactly) {
  // Different counts, so series swapped between the two would show.
  const std::vector<Workload> workloads = {
      {7201, 40, "ns-a", "pod-a", "srv-a", "0d5c2f4e-1111-4aaa-8aaa-000000007201", false},
      {7202, 25, "ns-b", "pod-b", "srv-b", "0d5c2f4e-2222-4bbb-8bbb-000000007202", true},
  };
  std::vector<std::unique_ptr<NamedContainer>> containers;
  for (const Workload& w : workloads) {
    containers.push_back(Run(w));
    ASSERT_EQ(containers.back()->started().exit_code, 0) << Tail(containers.back()->started());
  }

  // Podman's bundles: the real config.json of each container, with its annotations.
  std::vector<std::string> ids, cgroups, roots;
  for (size_t i = 0; i < workloads.size(); ++i) {
    const NamedContainer& c = *containers[i];
    ids.push_back(c.Inspect("{{.Id}}"));
    cgroups.push_back(Cgroup2Of(c.Inspect("{{.State.Pid}}")));
    const std::string config = c.Inspect("{{.OCIConfigPath}}");
    ASSERT_NE(ReadFile(config).find(workloads[i].pod_uid), std::string::npos)
        << config << " does not hold the container's annotations";
    roots.push_back(BundleRoot(config));
    ASSERT_FALSE(cgroups.back().empty()) << "no cgroup v2 group for container " << ids.back();
  }
  // Where podman's bundles lie under the exporter's default roots, the defaults must find them.
  std::vector<std::string> flags = {"--attribution=cgroup", "--workloads.retention=600"};
  const std::vector<std::string> defaults = ContainerDirectory::DefaultRoots();
  if (std::find(defaults.begin(), defaults.end(), roots[0]) == defaults.end())
    flags.push_back("--path.runtime=" + roots[0]);
  ASSERT_TRUE(StartExporter(flags));

  for (size_t i = 0; i < workloads.size(); ++i)
    ASSERT_TRUE(containers[i]->WaitForLog("listening", seconds(20))) << containers[i]->Logs();
  ExpectedValues want;
  for (const Workload& w : workloads) {
    ClientStats clients;
    ns_.RunIn([&] { clients = RunClients({kLoopback4, w.port}, w.connections, 0); });
    ASSERT_EQ(clients.connected, w.connections) << "port " << w.port;
    want.push_back({"socket_tcp_accepts_total",
                    PortLabels(w.port, {{"namespace", w.pod_namespace},
                                        {"pod", w.pod},
                                        {"container", w.container},
                                        {"workload", w.Name()}}),
                    static_cast<double>(w.connections)});
  }
  for (size_t i = 0; i < workloads.size(); ++i) {
    const std::string served = "served " + std::to_string(workloads[i].connections);
    EXPECT_TRUE(containers[i]->WaitForLog(served, seconds(10))) << containers[i]->Logs();
  }

  const ParsedMetrics m = exporter_->ScrapeUntil(Reached(want), seconds(15));
  ExpectValues(m, want);
  int total = 0;
  for (size_t i = 0; i < workloads.size(); ++i) {
    const Workload& w = workloads[i];
    total += w.connections;
    // Every accept on the port is the container's, and every connect to it the test's own.
    EXPECT_EQ(m.Sum("socket_tcp_accepts_total", PortLabels(w.port)), w.connections)
        << m.Dump("socket_tcp_accepts_total");
    EXPECT_EQ(m.Sum("socket_tcp_connects_total", PortLabels(w.port)), w.connections)
        << m.Dump("socket_tcp_connects_total");
    const Labels info = {{"workload", w.Name()}, {"namespace", w.pod_namespace},
                         {"pod", w.pod},         {"container", w.container},
                         {"pod_uid", w.pod_uid}, {"container_id", ids[i]},
                         {"cgroup", cgroups[i]}};
    EXPECT_EQ(m.Value("socket_workload_info", info), 1) << m.Dump("socket_workload_info");
  }
  EXPECT_EQ(m.Sum("socket_tcp_accepts_total"), total) << m.Dump("socket_tcp_accepts_total");
}

}  // namespace
}  // namespace se::test
