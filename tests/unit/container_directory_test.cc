#include "parsers/container_directory.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace se {
namespace {

namespace fs = std::filesystem;

constexpr char kA[] = "4c1f0e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e";
constexpr char kB[] = "9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e4c1f0e2a";

std::string Bundle(const std::string& pod, const std::string& container) {
  return R"({"ociVersion": "1.1.0", "annotations": {"io.kubernetes.cri.sandbox-name": ")" + pod +
         R"(", "io.kubernetes.cri.sandbox-namespace": "shop", "io.kubernetes.cri.container-name": ")" +
         container + R"("}})";
}

class ContainerDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/container_directory_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  // ROOT/ID[/userdata]/config.json with `text`; returns its path.
  std::string Write(const std::string& root, const std::string& id, bool userdata,
                    const std::string& text) {
    const fs::path d = fs::path(dir_) / root / id / (userdata ? "userdata" : "");
    fs::create_directories(d);
    std::ofstream(d / "config.json") << text;
    return (d / "config.json").string();
  }
  std::string Root(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_;
};

TEST_F(ContainerDirectoryTest, ReadsBundlesInEitherLayout) {
  Write("containerd", kA, false, Bundle("web-0", "nginx"));
  Write("storage", kB, true, Bundle("cache-0", "redis"));
  ContainerDirectory d({Root("containerd"), Root("storage")});
  std::string error;
  auto a = d.Lookup(kA, &error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->pod, "web-0");
  EXPECT_EQ(a->pod_namespace, "shop");
  EXPECT_EQ(a->container, "nginx");
  auto b = d.Lookup(kB, &error);
  ASSERT_TRUE(b) << error;
  EXPECT_EQ(b->pod, "cache-0");
  EXPECT_EQ(b->container, "redis");
}

TEST_F(ContainerDirectoryTest, FoundNamesAreKeptAndMissingOnesAskedAgain) {
  ContainerDirectory d({Root("containerd")});
  std::string error;
  EXPECT_FALSE(d.Lookup(kA, &error));
  EXPECT_NE(error.find("no config.json for container"), std::string::npos) << error;
  const std::string path = Write("containerd", kA, false, Bundle("web-0", "nginx"));
  ASSERT_TRUE(d.Lookup(kA, &error)) << error;  // the bundle came after the first look
  fs::remove(path);
  auto again = d.Lookup(kA, &error);  // from the cache: the file is not read again
  ASSERT_TRUE(again);
  EXPECT_EQ(again->container, "nginx");
  EXPECT_EQ(d.cached(), 1u);
  d.Forget(kA);
  EXPECT_FALSE(d.Lookup(kA, &error));
}

TEST_F(ContainerDirectoryTest, TheFirstRootHoldingABundleWins) {
  Write("one", kA, false, Bundle("from-one", "c"));
  Write("two", kA, false, Bundle("from-two", "c"));
  ContainerDirectory d({Root("missing"), Root("one"), Root("two")});
  std::string error;
  EXPECT_EQ(d.Lookup(kA, &error)->pod, "from-one");
}

TEST_F(ContainerDirectoryTest, RefusesOversizedLinkedAndBrokenFiles) {
  std::string error;
  Write("big", kA, false, Bundle("p", std::string(2000, 'x')));
  EXPECT_FALSE(ContainerDirectory({Root("big")}, 1000).Lookup(kA, &error));
  EXPECT_NE(error.find("over the limit of 1000"), std::string::npos) << error;

  const std::string target = Write("real", kB, false, Bundle("p", "c"));
  fs::create_directories(fs::path(Root("linked")) / kB);
  fs::create_symlink(target, fs::path(Root("linked")) / kB / "config.json");
  EXPECT_FALSE(ContainerDirectory({Root("linked")}).Lookup(kB, &error));
  EXPECT_NE(error.find("config.json"), std::string::npos) << error;

  fs::create_directories(fs::path(Root("fifo")) / kA);
  ASSERT_EQ(mkfifo((fs::path(Root("fifo")) / kA / "config.json").c_str(), 0600), 0);
  EXPECT_FALSE(ContainerDirectory({Root("fifo")}).Lookup(kA, &error));  // no hang
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;

  Write("broken", kA, false, "{\"annotations\": ");
  EXPECT_FALSE(ContainerDirectory({Root("broken")}).Lookup(kA, &error));
  EXPECT_NE(error.find("not valid JSON"), std::string::npos) << error;
}

TEST_F(ContainerDirectoryTest, OnlyHexIdsBecomePaths) {
  Write("containerd", "abc", false, Bundle("p", "c"));
  ContainerDirectory d({Root("containerd")});
  std::string error;
  EXPECT_FALSE(d.Lookup("../containerd/abc", &error));
  EXPECT_NE(error.find("not a container ID"), std::string::npos) << error;
  EXPECT_FALSE(d.Lookup("", &error));
  EXPECT_TRUE(d.Lookup("abc", &error)) << error;
}

}  // namespace
}  // namespace se
