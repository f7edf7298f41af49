#include "parsers/cgroup_path.h"

#include <gtest/gtest.h>

namespace se {
namespace {

constexpr char kId[] = "4c1f0e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e";

TEST(CgroupPathTest, TheRootIsTheHost) {
  EXPECT_EQ(ParseCgroupPath("/").kind, WorkloadKind::kHost);
  EXPECT_EQ(ParseCgroupPath("").kind, WorkloadKind::kHost);
}

TEST(CgroupPathTest, KubernetesSystemdDriverContainerd) {
  const CgroupIdentity id = ParseCgroupPath(
      std::string("/kubepods.slice/kubepods-burstable.slice/"
                  "kubepods-burstable-pod0d5c3b9e_1f2a_4b6c_8d9e_0a1b2c3d4e5f.slice/"
                  "cri-containerd-") + kId + ".scope");
  EXPECT_EQ(id.kind, WorkloadKind::kPod);
  EXPECT_EQ(id.runtime, "containerd");
  EXPECT_EQ(id.qos, "burstable");
  EXPECT_EQ(id.pod_uid, "0d5c3b9e-1f2a-4b6c-8d9e-0a1b2c3d4e5f");
  EXPECT_EQ(id.container_id, kId);
}

TEST(CgroupPathTest, KubernetesSystemdDriverGuaranteedPodHasNoQosSlice) {
  const CgroupIdentity id = ParseCgroupPath(
      std::string("/kubepods.slice/kubepods-pod7e6d5c4b_3a29_4817_9f6e_5d4c3b2a1908.slice/"
                  "crio-") + kId + ".scope");
  EXPECT_EQ(id.kind, WorkloadKind::kPod);
  EXPECT_EQ(id.runtime, "cri-o");
  EXPECT_EQ(id.qos, "guaranteed");
  EXPECT_EQ(id.pod_uid, "7e6d5c4b-3a29-4817-9f6e-5d4c3b2a1908");
  EXPECT_EQ(id.container_id, kId);
}

TEST(CgroupPathTest, KubernetesBestEffortWithDockerAndCrioConmon) {
  const std::string pod =
      "/kubepods.slice/kubepods-besteffort.slice/"
      "kubepods-besteffort-pod11111111_2222_3333_4444_555555555555.slice/";
  CgroupIdentity id = ParseCgroupPath(pod + "docker-" + kId + ".scope");
  EXPECT_EQ(id.runtime, "docker");
  EXPECT_EQ(id.qos, "besteffort");
  EXPECT_EQ(id.container_id, kId);
  id = ParseCgroupPath(pod + "crio-conmon-" + kId + ".scope");
  EXPECT_EQ(id.runtime, "cri-o");
  EXPECT_EQ(id.container_id, kId);
}

TEST(CgroupPathTest, KubernetesPodSliceWithoutAContainer) {
  const CgroupIdentity id = ParseCgroupPath(
      "/kubepods.slice/kubepods-burstable.slice/"
      "kubepods-burstable-pod0d5c3b9e_1f2a_4b6c_8d9e_0a1b2c3d4e5f.slice");
  EXPECT_EQ(id.kind, WorkloadKind::kPod);
  EXPECT_EQ(id.pod_uid, "0d5c3b9e-1f2a-4b6c-8d9e-0a1b2c3d4e5f");
  EXPECT_EQ(id.container_id, "");
}

TEST(CgroupPathTest, AQosSliceAloneIsNoPod) {
  EXPECT_EQ(ParseCgroupPath("/kubepods.slice/kubepods-burstable.slice").kind,
            WorkloadKind::kOther);
  EXPECT_EQ(ParseCgroupPath("/kubepods.slice").kind, WorkloadKind::kOther);
}

TEST(CgroupPathTest, KubernetesCgroupfsDriver) {
  CgroupIdentity id = ParseCgroupPath(
      std::string("/kubepods/burstable/pod0d5c3b9e-1f2a-4b6c-8d9e-0a1b2c3d4e5f/") + kId);
  EXPECT_EQ(id.kind, WorkloadKind::kPod);
  EXPECT_EQ(id.runtime, "");
  EXPECT_EQ(id.qos, "burstable");
  EXPECT_EQ(id.pod_uid, "0d5c3b9e-1f2a-4b6c-8d9e-0a1b2c3d4e5f");
  EXPECT_EQ(id.container_id, kId);
  id = ParseCgroupPath(std::string("/kubepods/pod7e6d5c4b-3a29-4817-9f6e-5d4c3b2a1908/") + kId);
  EXPECT_EQ(id.qos, "guaranteed");
  EXPECT_EQ(id.pod_uid, "7e6d5c4b-3a29-4817-9f6e-5d4c3b2a1908");
  EXPECT_EQ(id.container_id, kId);
}

TEST(CgroupPathTest, PodmanSystemdAndCgroupfsManagers) {
  CgroupIdentity id = ParseCgroupPath(std::string("/machine.slice/libpod-") + kId + ".scope");
  EXPECT_EQ(id.kind, WorkloadKind::kContainer);
  EXPECT_EQ(id.runtime, "podman");
  EXPECT_EQ(id.container_id, kId);
  // With --cgroups=split and rootless podman the processes sit one level deeper.
  id = ParseCgroupPath(std::string("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-") +
                       kId + ".scope/container");
  EXPECT_EQ(id.kind, WorkloadKind::kContainer);
  EXPECT_EQ(id.container_id, kId);
  id = ParseCgroupPath(std::string("/libpod_parent/libpod-") + kId);
  EXPECT_EQ(id.runtime, "podman");
  EXPECT_EQ(id.container_id, kId);
  id = ParseCgroupPath(std::string("/machine.slice/libpod-conmon-") + kId + ".scope");
  EXPECT_EQ(id.runtime, "podman");
  EXPECT_EQ(id.container_id, kId);
}

TEST(CgroupPathTest, DockerSystemdAndCgroupfsDrivers) {
  CgroupIdentity id = ParseCgroupPath(std::string("/system.slice/docker-") + kId + ".scope");
  EXPECT_EQ(id.kind, WorkloadKind::kContainer);
  EXPECT_EQ(id.runtime, "docker");
  EXPECT_EQ(id.container_id, kId);
  id = ParseCgroupPath(std::string("/docker/") + kId);
  EXPECT_EQ(id.kind, WorkloadKind::kContainer);
  EXPECT_EQ(id.runtime, "docker");
  EXPECT_EQ(id.container_id, kId);
}

TEST(CgroupPathTest, SystemdServices) {
  CgroupIdentity id = ParseCgroupPath("/system.slice/nginx.service");
  EXPECT_EQ(id.kind, WorkloadKind::kService);
  EXPECT_EQ(id.unit, "nginx.service");
  // A service's own sub-cgroups, and user services: the deepest .service names it.
  EXPECT_EQ(ParseCgroupPath("/system.slice/containerd.service/supervisor").unit,
            "containerd.service");
  EXPECT_EQ(ParseCgroupPath("/user.slice/user-1000.slice/user@1000.service/app.slice/"
                            "syncthing.service")
                .unit,
            "syncthing.service");
  // The docker daemon is a service; its containers are not.
  EXPECT_EQ(ParseCgroupPath("/system.slice/docker.service").kind, WorkloadKind::kService);
}

TEST(CgroupPathTest, AnythingElseIsOther) {
  EXPECT_EQ(ParseCgroupPath("/user.slice/user-1000.slice/session-3.scope").kind,
            WorkloadKind::kOther);
  EXPECT_EQ(ParseCgroupPath("/se-test/a").kind, WorkloadKind::kOther);
  // Not a container ID: too short, or not hex.
  EXPECT_EQ(ParseCgroupPath("/machine.slice/libpod-abc.scope").kind, WorkloadKind::kOther);
  EXPECT_EQ(ParseCgroupPath("/docker/not-a-container-id").kind, WorkloadKind::kOther);
  EXPECT_EQ(ParseCgroupPath("/system.slice/docker-XYZ.scope").kind, WorkloadKind::kOther);
}

TEST(CgroupPathTest, SlashesAreForgiving) {
  EXPECT_EQ(ParseCgroupPath("//system.slice//nginx.service/").unit, "nginx.service");
}

}  // namespace
}  // namespace se
