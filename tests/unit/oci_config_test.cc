#include "parsers/oci_config.h"

#include <gtest/gtest.h>

namespace se {
namespace {

// Shortened from what containerd 1.7's CRI plugin writes for an application container.
constexpr char kContainerd[] = R"({
  "ociVersion": "1.1.0",
  "process": {"user": {"uid": 0, "gid": 0}, "args": ["/pause"], "cwd": "/"},
  "root": {"path": "rootfs"},
  "hostname": "web-7d4b9c8f6d-x2x9k",
  "annotations": {
    "io.kubernetes.cri.container-name": "nginx",
    "io.kubernetes.cri.container-type": "container",
    "io.kubernetes.cri.image-name": "docker.io/library/nginx:1.25",
    "io.kubernetes.cri.sandbox-id": "9c1f0e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e",
    "io.kubernetes.cri.sandbox-name": "web-7d4b9c8f6d-x2x9k",
    "io.kubernetes.cri.sandbox-namespace": "shop",
    "io.kubernetes.cri.sandbox-uid": "0d5c3b9e-1f2a-4b6c-8d9e-0a1b2c3d4e5f"
  },
  "linux": {"cgroupsPath": "kubepods-burstable-pod0d5c3b9e_1f2a.slice:cri-containerd:4c1f"}
})";

// Shortened from CRI-O 1.28's userdata/config.json.
constexpr char kCrio[] = R"({
  "ociVersion": "1.0.2-dev",
  "annotations": {
    "io.kubernetes.container.name": "redis",
    "io.kubernetes.cri-o.ContainerType": "container",
    "io.kubernetes.pod.name": "cache-0",
    "io.kubernetes.pod.namespace": "data",
    "io.kubernetes.pod.uid": "7e6d5c4b-3a29-4817-9f6e-5d4c3b2a1908"
  }
})";

TEST(OciConfigTest, ContainerdCriAnnotations) {
  ContainerNames n;
  std::string error;
  ASSERT_TRUE(ParseOciConfig(kContainerd, &n, &error)) << error;
  EXPECT_EQ(n.pod, "web-7d4b9c8f6d-x2x9k");
  EXPECT_EQ(n.pod_namespace, "shop");
  EXPECT_EQ(n.pod_uid, "0d5c3b9e-1f2a-4b6c-8d9e-0a1b2c3d4e5f");
  EXPECT_EQ(n.container, "nginx");
  EXPECT_FALSE(n.sandbox);
}

TEST(OciConfigTest, CrioAnnotations) {
  ContainerNames n;
  std::string error;
  ASSERT_TRUE(ParseOciConfig(kCrio, &n, &error)) << error;
  EXPECT_EQ(n.pod, "cache-0");
  EXPECT_EQ(n.pod_namespace, "data");
  EXPECT_EQ(n.pod_uid, "7e6d5c4b-3a29-4817-9f6e-5d4c3b2a1908");
  EXPECT_EQ(n.container, "redis");
  EXPECT_FALSE(n.sandbox);
}

TEST(OciConfigTest, SandboxContainersAreMarked) {
  ContainerNames n;
  std::string error;
  ASSERT_TRUE(ParseOciConfig(
      R"({"annotations": {"io.kubernetes.cri.container-type": "sandbox",
                          "io.kubernetes.cri.sandbox-name": "p"}})",
      &n, &error));
  EXPECT_TRUE(n.sandbox);
  EXPECT_EQ(n.pod, "p");
  ASSERT_TRUE(ParseOciConfig(R"({"annotations": {"io.kubernetes.cri-o.ContainerType": "sandbox"}})",
                             &n, &error));
  EXPECT_TRUE(n.sandbox);
}

TEST(OciConfigTest, ABundleWithoutAnnotationsHasNoNames) {
  ContainerNames n;
  n.pod = "stale";
  std::string error;
  ASSERT_TRUE(ParseOciConfig(R"({"ociVersion": "1.0.2"})", &n, &error));
  EXPECT_EQ(n.pod, "");
  ASSERT_TRUE(ParseOciConfig(R"({"annotations": ["not", "an", "object"]})", &n, &error));
  EXPECT_EQ(n.container, "");
  // Values that are not strings are ignored, not converted.
  ASSERT_TRUE(ParseOciConfig(R"({"annotations": {"io.kubernetes.pod.name": 7}})", &n, &error));
  EXPECT_EQ(n.pod, "");
}

TEST(OciConfigTest, RefusesWhatIsNotAJsonObject) {
  ContainerNames n;
  std::string error;
  EXPECT_FALSE(ParseOciConfig("{\"annotations\": {", &n, &error));
  EXPECT_EQ(error, "not valid JSON");
  EXPECT_FALSE(ParseOciConfig("[1, 2]", &n, &error));
  EXPECT_EQ(error, "not a JSON object");
  EXPECT_FALSE(ParseOciConfig("", &n, &error));
  EXPECT_FALSE(ParseOciConfig(std::string(100000, '['), &n, &error));  // deep nesting
}

}  // namespace
}  // namespace se
