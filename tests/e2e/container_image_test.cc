// The container image end to end: the repository's Dockerfile built with podman from a local
// debootstrap base, run as uid 65532 with only the capabilities docs/security.md names for a
// sidecar (--cap-drop ALL --cap-add BPF,PERFMON,NET_ADMIN, read-only root) and joined to a test
// network namespace. It counts exactly that namespace's connections and none of an identical
// neighbour's, and holds no effective capability once started; run by runc with those
// capabilities in the bounding set only (as Kubernetes runtimes do), its file capabilities
// alone start it.
//
// Slow: the first run on a machine imports the base image (debootstrap, about 1-2 min) and
// builds the image (dependencies and a full compile, several minutes); later runs reuse the
// base image and podman's layer cache (seconds when bpf/, exporter/, cmake/ are unchanged).
// Podman runs with a containers.conf of this test's own: host network by default (never the
// bridge network, whose conntrack table fills up), runc, cgroupfs, file events logger.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "container_fixture.h"
#include "harness/command.h"
#include "harness/http_client.h"
#include "harness/metrics_text.h"
#include "harness/netns.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_F(ContainerImageTest, ImageIsSmallRunsAsNonRootAndCarriesPermittedFileCapabilities) {
  const CommandResult inspect = Podman({"image", "inspect", kImage});
  ASSERT_EQ(inspect.exit_code, 0) << Tail(inspect);
  const json image = json::parse(inspect.out, nullptr, false);
  ASSERT_TRUE(image.is_array() && image.size() == 1) << inspect.out;
  const json& img = image[0];
  const double size = img.value("Size", 0.0);
  std::cerr << "image size: " << size / 1e6 << " MB\n";
  EXPECT_GT(size, 0);
  EXPECT_LT(size, kMaxImageBytes) << "image is " << size / 1e6 << " MB";
  const json& config = img["Config"];
  EXPECT_EQ(config.value("User", ""), "65532:65532");
  EXPECT_EQ(config["Entrypoint"], json({"/usr/local/bin/socket_exporter"}));
  EXPECT_TRUE(config["ExposedPorts"].contains("9976/tcp")) << config.dump();
  EXPECT_EQ(config["Labels"].value("org.opencontainers.image.revision", ""), "e2e");
  EXPECT_FALSE(config["Labels"].value("org.opencontainers.image.source", "").empty());
  // --format docker keeps it; the OCI format would have dropped it.
  ASSERT_TRUE(img.contains("Healthcheck")) << img.dump();
  EXPECT_EQ(img["Healthcheck"]["Test"][1], "/usr/local/bin/se-healthcheck") << img.dump();

  // Permitted only (no effective bit): the runtime may grant any subset of the six.
  const CommandResult mount = Podman({"image", "mount", kImage});
  ASSERT_EQ(mount.exit_code, 0) << Tail(mount);
  const CommandResult caps =
      RunCommand({"getcap", Trim(mount.out) + "/usr/local/bin/socket_exporter"});
  Podman({"image", "unmount", kImage});
  for (const char* cap : {"cap_bpf", "cap_perfmon", "cap_net_admin", "cap_sys_admin",
                          "cap_sys_ptrace", "cap_dac_read_search"})
    EXPECT_NE(caps.out.find(cap), std::string::npos) << cap << " missing: " << caps.out;
  EXPECT_NE(caps.out.find("=p"), std::string::npos) << caps.out;
  EXPECT_EQ(caps.out.find("=ep"), std::string::npos) << caps.out;
}

TEST_F(ContainerImageTest, SidecarCountsExactlyItsNamespacesConnectionsAndNoneOfANeighbours) {
  constexpr int kConnections = 50;
  Netns pod("ctr");
  Netns neighbour("ctr-nb");
  // Listeners before the exporter starts, so the port is tracked from its first connection.
  UniqueFd pod_listener, neighbour_listener;
  pod.RunIn([&] { pod_listener = ListenTcp({kLoopback4, kServicePort}, 128); });
  neighbour.RunIn([&] { neighbour_listener = ListenTcp({kLoopback4, kServicePort}, 128); });

  std::string error;
  const std::string seccomp = SidecarSeccompProfile(&error);
  ASSERT_FALSE(seccomp.empty()) << error;
  const RemoveFile remove_seccomp{seccomp};

  Container exporter(SidecarRunArgs(pod, seccomp));
  ASSERT_EQ(exporter.started().exit_code, 0) << Tail(exporter.started());
  HttpResponse ready;
  for (int i = 0; i < 240 && ready.status != 200; ++i) {
    std::this_thread::sleep_for(milliseconds(250));
    pod.RunIn([&] { ready = Scrape(kExporterPort, "/-/ready"); });
  }
  ASSERT_EQ(ready.status, 200) << "not ready within 60 s; logs:\n" << exporter.Logs();

  // After start-up: no effective or permitted capability, no_new_privs, seccomp. Without
  // CAP_SETPCAP the bounding set keeps what the runtime granted; it can grant nothing now.
  const std::string pid = exporter.Inspect("{{.State.Pid}}");
  const std::string status = ReadFile("/proc/" + pid + "/status");
  ASSERT_FALSE(status.empty()) << "no /proc/" << pid << "/status";
  EXPECT_NE(status.find("\nUid:\t65532\t65532\t65532\t65532"), std::string::npos) << status;
  EXPECT_EQ(StatusMask(status, "CapEff"), 0u) << status;
  EXPECT_EQ(StatusMask(status, "CapPrm"), 0u) << status;
  EXPECT_EQ(StatusMask(status, "CapBnd"), kSidecarCapMask) << status;
  EXPECT_NE(status.find("\nNoNewPrivs:\t1"), std::string::npos) << status;
  EXPECT_NE(status.find("\nSeccomp:\t2"), std::string::npos) << status;

  // The neighbour's identical traffic first, then the pod's: exactly the pod's is counted.
  TcpServer neighbour_server(neighbour_listener.get(), kConnections, 64, CloseMode::kGraceful);
  ClientStats neighbour_clients;
  neighbour.RunIn([&] {
    neighbour_clients = RunClients({kLoopback4, kServicePort}, kConnections, 64);
  });
  TcpServer pod_server(pod_listener.get(), kConnections, 64, CloseMode::kGraceful);
  ClientStats pod_clients;
  pod.RunIn([&] { pod_clients = RunClients({kLoopback4, kServicePort}, kConnections, 64); });
  ASSERT_EQ(neighbour_clients.connected, kConnections);
  ASSERT_EQ(pod_clients.connected, kConnections);
  ASSERT_EQ(neighbour_server.Join().served, kConnections);
  ASSERT_EQ(pod_server.Join().served, kConnections);

  const Labels port = {{"port", std::to_string(kServicePort)}};
  const ParsedMetrics m = ScrapeUntil(
      pod,
      [&](const ParsedMetrics& s) {
        return s.Sum("socket_tcp_accepts_total", port) >= kConnections &&
               s.Sum("socket_tcp_connects_total", port) >= kConnections;
      },
      seconds(10));
  EXPECT_EQ(m.Sum("socket_tcp_accepts_total", port), kConnections)
      << m.Dump("socket_tcp_accepts_total") << exporter.Logs();
  EXPECT_EQ(m.Sum("socket_tcp_connects_total", port), kConnections)
      << m.Dump("socket_tcp_connects_total");
  // The tracepoint programs load from the committed vmlinux.h and attach on this kernel.
  EXPECT_EQ(m.Value("socket_exporter_probe_attached", {{"probe", "inet_sock_set_state"}}), 1)
      << m.Dump("socket_exporter_probe_attached");
  // No cgroup v2 mount in this container (only v1 controllers here): SYNs are counted at TC
  // ingress of the pod's interfaces (container_syn_test.cc proves the counts).
  EXPECT_EQ(m.Value("socket_exporter_probe_attached", {{"probe", "syn_tc_ingress"}}), 1)
      << m.Dump("socket_exporter_probe_attached") << exporter.Logs();
  EXPECT_EQ(m.Sum("socket_tcp_syns_received_total", port), kConnections)
      << m.Dump("socket_tcp_syns_received_total");

  // The image's HEALTHCHECK, run by podman inside the container.
  const CommandResult health = Podman({"healthcheck", "run", exporter.name()});
  EXPECT_EQ(health.exit_code, 0) << Tail(health);
}

// Podman hands a non-root user its --cap-add capabilities directly (ambient), so the test above
// would pass without the file's. Docker, containerd and CRI-O (Kubernetes) put them only in the
// bounding set. Here runc runs the image's tree that way: capabilities in the bounding set
// alone, uid 65532, no no_new_privs; only the file capabilities can give the exporter any.
TEST_F(ContainerImageTest, FileCapabilitiesAloneStartItWhenTheRuntimeOnlyBoundsThem) {
  ASSERT_TRUE(InPath("runc")) << "runc is missing (tools/install-deps.sh --test)";
  Netns pod("ctr-runc");
  const std::string name = "se-e2e-runc-" + std::to_string(getpid());
  const std::string bundle = "/tmp/" + name;
  struct Cleanup {
    std::string name, bundle;
    ~Cleanup() {
      RunCommand({"runc", "delete", "--force", name});
      Podman({"rm", "--force", name});
      std::filesystem::remove_all(bundle);
    }
  } cleanup{name, bundle};
  // A created (never started) container's tree: writable, so runc can add its mount points.
  Podman({"rm", "--force", name});
  const CommandResult create = Podman({"create", "--name", name, "--pull=never", kImage});
  ASSERT_EQ(create.exit_code, 0) << Tail(create);
  const CommandResult mount = Podman({"mount", name});
  ASSERT_EQ(mount.exit_code, 0) << Tail(mount);
  std::filesystem::create_directories(bundle);
  ASSERT_EQ(RunCommand({"runc", "spec", "--bundle", bundle}).exit_code, 0);
  json spec = json::parse(ReadFile(bundle + "/config.json"), nullptr, false);
  ASSERT_TRUE(spec.is_object());
  spec["root"] = {{"path", Trim(mount.out)}, {"readonly", true}};
  json& process = spec["process"];
  process["terminal"] = false;
  process["noNewPrivileges"] = false;
  process["user"] = {{"uid", 65532}, {"gid", 65532}};
  process["args"] = {"/usr/local/bin/socket_exporter", "--netns=self",
                     "--web.listen-address=127.0.0.1:" + std::to_string(kExporterPort)};
  const json caps = {"CAP_BPF", "CAP_PERFMON", "CAP_NET_ADMIN"};
  process["capabilities"] = {{"bounding", caps},
                             {"effective", json::array()},
                             {"permitted", json::array()},
                             {"inheritable", json::array()},
                             {"ambient", json::array()}};
  for (json& ns : spec["linux"]["namespaces"])
    if (ns["type"] == "network") ns["path"] = pod.Path();
  std::ofstream(bundle + "/config.json") << spec.dump(1);

  const std::string log = bundle + "/exporter.log";
  const CommandResult run = RunCommand(
      {"sh", "-c",
       "runc run --detach --bundle '" + bundle + "' " + name + " >'" + log + "' 2>&1 </dev/null"},
      seconds(60));
  ASSERT_EQ(run.exit_code, 0) << Tail(run) << ReadFile(log);
  HttpResponse ready;
  for (int i = 0; i < 120 && ready.status != 200; ++i) {
    std::this_thread::sleep_for(milliseconds(250));
    pod.RunIn([&] { ready = Scrape(kExporterPort, "/-/ready"); });
  }
  ASSERT_EQ(ready.status, 200) << "not ready within 30 s; log:\n" << ReadFile(log);
  const ParsedMetrics m = ScrapeUntil(
      pod, [](const ParsedMetrics& s) { return s.Has("socket_exporter_probe_attached"); },
      seconds(5));
  EXPECT_EQ(m.Value("socket_exporter_probe_attached", {{"probe", "inet_sock_set_state"}}), 1)
      << m.Dump("socket_exporter_probe_attached");

  const json state = json::parse(RunCommand({"runc", "state", name}).out, nullptr, false);
  ASSERT_TRUE(state.is_object() && state.contains("pid")) << state.dump();
  const std::string status =
      ReadFile("/proc/" + std::to_string(state["pid"].get<int>()) + "/status");
  EXPECT_NE(status.find("\nUid:\t65532\t65532\t65532\t65532"), std::string::npos) << status;
  EXPECT_EQ(StatusMask(status, "CapAmb"), 0u) << status;
  EXPECT_EQ(StatusMask(status, "CapEff"), 0u) << status;
}

}  // namespace
}  // namespace se::test
