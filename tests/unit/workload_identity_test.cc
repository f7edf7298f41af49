#include "parsers/workload_identity.h"

#include <gtest/gtest.h>

namespace se {
namespace {

constexpr char kId[] = "4c1f0e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e";
constexpr char kPod[] =
    "/kubepods.slice/kubepods-burstable.slice/"
    "kubepods-burstable-pod0d5c3b9e_1f2a_4b6c_8d9e_0a1b2c3d4e5f.slice";

WorkloadIdentity Name(const std::string& path, const ContainerNames* names = nullptr) {
  return NameWorkload(path, ParseCgroupPath(path), names, 4242);
}

ContainerNames Names(std::string ns, std::string pod, std::string container) {
  ContainerNames n;
  n.pod_namespace = std::move(ns);
  n.pod = std::move(pod);
  n.container = std::move(container);
  return n;
}

TEST(WorkloadIdentityTest, TheRootCgroupIsTheHost) {
  const WorkloadIdentity w = Name("/");
  EXPECT_EQ(w.workload, "host");
  EXPECT_EQ(w.cgroup, "/");
  EXPECT_EQ(w.pod, "");
}

TEST(WorkloadIdentityTest, KubernetesContainerIsNamespacePodContainer) {
  const ContainerNames names = Names("shop", "web-7d9f", "nginx");
  const std::string path = std::string(kPod) + "/cri-containerd-" + kId + ".scope";
  const WorkloadIdentity w = Name(path, &names);
  EXPECT_EQ(w.workload, "shop/web-7d9f/nginx");
  EXPECT_EQ(w.pod_namespace, "shop");
  EXPECT_EQ(w.pod, "web-7d9f");
  EXPECT_EQ(w.container, "nginx");
  EXPECT_EQ(w.pod_uid, "0d5c3b9e-1f2a-4b6c-8d9e-0a1b2c3d4e5f");
  EXPECT_EQ(w.container_id, kId);
  EXPECT_EQ(w.cgroup, path);
}

TEST(WorkloadIdentityTest, APodsSandboxIsThePodItself) {
  ContainerNames names = Names("shop", "web-7d9f", "");
  names.sandbox = true;
  const WorkloadIdentity w = Name(std::string(kPod) + "/crio-" + kId + ".scope", &names);
  EXPECT_EQ(w.workload, "shop/web-7d9f");
  EXPECT_EQ(w.container, "");
}

TEST(WorkloadIdentityTest, APodWithoutItsBundleIsNamedByItsUid) {
  const WorkloadIdentity w = Name(std::string(kPod) + "/cri-containerd-" + kId + ".scope");
  EXPECT_EQ(w.workload, "pod/0d5c3b9e-1f2a-4b6c-8d9e-0a1b2c3d4e5f");
  EXPECT_EQ(w.pod, "");
  EXPECT_EQ(w.container_id, kId);
}

TEST(WorkloadIdentityTest, PlainContainersByNameOrShortId) {
  ContainerNames named;
  named.container = "db";
  EXPECT_EQ(Name(std::string("/machine.slice/libpod-") + kId + ".scope", &named).workload, "db");
  const WorkloadIdentity anon = Name(std::string("/system.slice/docker-") + kId + ".scope");
  EXPECT_EQ(anon.workload, "4c1f0e2a9b8d");
  EXPECT_EQ(anon.container, "4c1f0e2a9b8d");
}

TEST(WorkloadIdentityTest, AContainerWithPodAnnotationsIsNamedAsAPodsContainer) {
  const ContainerNames names = Names("ns-a", "pod-a", "srv-a");
  const WorkloadIdentity w = Name(std::string("/libpod_parent/libpod-") + kId, &names);
  EXPECT_EQ(w.workload, "ns-a/pod-a/srv-a");
  EXPECT_EQ(w.pod_namespace, "ns-a");
  EXPECT_EQ(w.pod, "pod-a");
  EXPECT_EQ(w.container, "srv-a");
}

TEST(WorkloadIdentityTest, ServicesByUnitAndOtherCgroupsByPath) {
  const WorkloadIdentity svc = Name("/system.slice/nginx.service");
  EXPECT_EQ(svc.workload, "nginx.service");
  EXPECT_EQ(svc.container, "nginx.service");
  EXPECT_EQ(Name("/user.slice/user-1000.slice/session-3.scope").workload,
            "user.slice/user-1000.slice/session-3.scope");
  EXPECT_EQ(Name("/se-test/a").workload, "se-test/a");
}

TEST(WorkloadIdentityTest, ACgroupNotFoundIsNamedByItsId) {
  const WorkloadIdentity w = NameWorkload("", ParseCgroupPath(""), nullptr, 4242);
  EXPECT_EQ(w.workload, "cgroup/4242");
  EXPECT_EQ(w.cgroup, "");
}

}  // namespace
}  // namespace se
