// SYN counting in the image run as a sidecar: the exporter container joins a pod namespace in
// which a service listens, and the service's socket belongs to a cgroup v2 group of its own,
// outside the container's. Spoofed SYNs from a client namespace over a veth link are counted
// exactly, and exactly as the pod namespace's own TcpInSegs counted them: with no cgroup v2
// root of its own to attach to, the exporter counts at TC ingress of the pod's interfaces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "container_fixture.h"
#include "harness/http_client.h"
#include "harness/pod_cgroup.h"
#include "harness/syn_traffic.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The cgroup v2 mount point, "" if there is none.
std::string Cgroup2Mount() {
  std::ifstream mounts("/proc/self/mounts");
  for (std::string dev, path, type, rest;
       mounts >> dev >> path >> type && std::getline(mounts, rest);)
    if (type == "cgroup2") return path;
  return "";
}


// A cgroup v2 group of the test's own; sockets created inside Enter() belong to it.
class ServiceCgroup {
 public:
  explicit ServiceCgroup(const std::string& mount)
      : mount_(mount), path_("/se-e2e-svc-" + std::to_string(getpid())) {
    std::filesystem::create_directory(mount_ + path_);
  }
  ~ServiceCgroup() {
    Move(home_);
    std::filesystem::remove(mount_ + path_);
  }
  const std::string& path() const { return path_; }
  // Runs fn with this process moved into the group, and moves it back.
  void Enter(const std::function<void()>& fn) {
    home_ = Cgroup2Of("self");
    Move(path_);
    fn();
    Move(home_);
  }

 private:
  void Move(const std::string& group) const {
    if (!group.empty()) std::ofstream(mount_ + group + "/cgroup.procs") << getpid() << "\n";
  }
  std::string mount_, path_, home_;
};

TEST_F(ContainerImageTest, SidecarCountsSpoofedSynsToAServiceInAnotherCgroupAsTheKernelDid) {
  constexpr uint64_t kSyns4 = 700, kSyns6 = 300;
  const std::string mount = Cgroup2Mount();
  ASSERT_FALSE(mount.empty()) << "no cgroup v2 mount on this host";
  Netns pod("ctr-syn");
  Netns client("ctr-syn-c");
  LinkByVeth(pod, client);
  ServiceCgroup service(mount);
  UniqueFd listener4, listener6;
  service.Enter([&] {
    pod.RunIn([&] {
      listener4 = ListenTcp({VethLink::kServer4, kServicePort}, 4096);
      listener6 = ListenTcp({VethLink::kServer6, kServicePort + 1}, 4096);
    });
  });

  std::string error;
  const std::string seccomp = SidecarSeccompProfile(&error);
  ASSERT_FALSE(seccomp.empty()) << error;
  const RemoveFile remove_seccomp{seccomp};
  Container exporter(SidecarRunArgs(pod, seccomp));
  ASSERT_EQ(exporter.started().exit_code, 0) << Tail(exporter.started());
  const ParsedMetrics before = ScrapeUntil(
      pod, [](const ParsedMetrics& m) { return m.Has("socket_exporter_probe_attached"); },
      seconds(60));
  ASSERT_EQ(before.Value("socket_exporter_probe_attached", {{"probe", "syn_tc_ingress"}}), 1)
      << before.Dump("socket_exporter_probe_attached") << exporter.Logs();
  EXPECT_NE(exporter.Logs().find("hook=tc why=\"no cgroup v2 mount here\""), std::string::npos)
      << exporter.Logs();
  // The service's socket and the exporter are in different cgroups.
  const std::string exporter_group = Cgroup2Of(exporter.Inspect("{{.State.Pid}}"));
  EXPECT_NE(exporter_group, service.path());

  // Nothing but the SYNs reaches the pod between the two readings of its counter.
  std::this_thread::sleep_for(milliseconds(300));
  const uint64_t segments_before = Nstat(pod, "TcpInSegs");
  SendSpoofedSyns(client, {.dst = VethLink::kServer4, .port_first = kServicePort, .count = kSyns4});
  SendSpoofedSyns(client, {.dst = VethLink::kServer6,
                           .port_first = kServicePort + 1,
                           .count = kSyns6,
                           .src = "fd00:201::/64"});
  const uint64_t segments = Nstat(pod, "TcpInSegs") - segments_before;
  EXPECT_EQ(segments, kSyns4 + kSyns6);

  const Labels port4 = {{"port", std::to_string(kServicePort)}};
  const Labels port6 = {{"port", std::to_string(kServicePort + 1)}};
  const ParsedMetrics m = ScrapeUntil(
      pod,
      [&](const ParsedMetrics& s) {
        return s.Value("socket_tcp_syns_received_total", port4) >= kSyns4 &&
               s.Value("socket_tcp_syns_received_total", port6) >= kSyns6;
      },
      seconds(10));
  EXPECT_EQ(m.Value("socket_tcp_syns_received_total", port4), kSyns4)
      << m.Dump("socket_tcp_syns_received_total");
  EXPECT_EQ(m.Value("socket_tcp_syns_received_total", port6), kSyns6);
  // The other port is the exporter's own, whose scrapes came before the first reading.
  EXPECT_EQ(m.Value("socket_tcp_syns_received_total", port4) +
                m.Value("socket_tcp_syns_received_total", port6),
            segments)
      << m.Dump("socket_tcp_syns_received_total");
}

}  // namespace
}  // namespace se::test
