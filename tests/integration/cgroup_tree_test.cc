// Cgroup ids to paths on the real cgroup v2 hierarchy: cgroups this test creates, a process
// moved into one (its /proc/PID/cgroup is the kernel's own record), and cgroups removed.
#include "system/cgroup_tree.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace se {
namespace {

class CgroupTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = Cgroup2Root();
    if (root_.empty()) GTEST_SKIP() << "no cgroup v2 mount in /proc/self/mounts";
    if (CgroupIdOf(root_) != kRootCgroupId)
      GTEST_SKIP() << "the cgroup v2 mount at " << root_ << " is not the hierarchy's root";
    base_ = "/se-cgroup-tree-" + std::to_string(getpid());
    ASSERT_EQ(mkdir((root_ + base_).c_str(), 0755), 0) << root_ + base_;
  }
  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) rmdir((root_ + *it).c_str());
    if (!base_.empty()) rmdir((root_ + base_).c_str());
  }
  // Creates base_/rel; returns its path below the root.
  std::string Make(const std::string& rel) {
    const std::string path = base_ + "/" + rel;
    EXPECT_EQ(mkdir((root_ + path).c_str(), 0755), 0) << path;
    made_.push_back(path);
    return path;
  }
  uint64_t Id(const std::string& path) { return CgroupIdOf(root_ + path); }

  std::string root_, base_;
  std::vector<std::string> made_;
  pid_t child_ = -1;
};

TEST_F(CgroupTreeTest, NamesTheCgroupsItFindsByTheKernelsIds) {
  const std::string a = Make("a"), b = Make("a/b"), c = Make("c");
  CgroupTree tree(root_);
  EXPECT_EQ(tree.PathOf(kRootCgroupId, 0), "/");
  EXPECT_EQ(tree.PathOf(Id(a), 0), a);
  EXPECT_EQ(tree.PathOf(Id(b), 0), b);
  EXPECT_EQ(tree.PathOf(Id(c), 0), c);
  EXPECT_EQ(tree.walks(), 1u);  // one walk found them all
  EXPECT_FALSE(tree.truncated());
}

TEST_F(CgroupTreeTest, AgreesWithTheKernelsRecordOfAProcess) {
  const std::string w = Make("workload");
  child_ = fork();
  ASSERT_GE(child_, 0);
  if (child_ == 0) {
    pause();
    _exit(0);
  }
  std::ofstream(root_ + w + "/cgroup.procs") << child_ << std::flush;
  std::ifstream proc("/proc/" + std::to_string(child_) + "/cgroup");
  std::string line, v2;
  while (std::getline(proc, line)) {
    if (line.rfind("0::", 0) == 0) v2 = line.substr(3);
  }
  ASSERT_EQ(v2, w);
  CgroupTree tree(root_);
  EXPECT_EQ(tree.PathOf(Id(v2), 0), v2);
}

TEST_F(CgroupTreeTest, ANewCgroupIsFoundByTheNextAllowedWalkAndAGoneOneIsForgotten) {
  CgroupTree::Limits limits;
  limits.min_rescan_ns = 1000;
  CgroupTree tree(root_, limits);
  EXPECT_EQ(tree.PathOf(kRootCgroupId, 0), "/");
  const std::string late = Make("late");
  const uint64_t id = Id(late);
  EXPECT_EQ(tree.PathOf(id, 500), std::nullopt);  // too soon for another walk
  EXPECT_EQ(tree.walks(), 1u);
  EXPECT_EQ(tree.PathOf(id, 1000), late);
  EXPECT_EQ(tree.walks(), 2u);
  EXPECT_EQ(tree.PathOf(id, 1001), late);  // known: no walk
  EXPECT_EQ(tree.walks(), 2u);
  ASSERT_EQ(rmdir((root_ + late).c_str()), 0);
  made_.pop_back();
  EXPECT_EQ(tree.PathOf(id + 1000000, 5000), std::nullopt);  // an unknown id walks again
  EXPECT_EQ(tree.PathOf(id, 5001), std::nullopt);             // and that walk forgot it
}

TEST_F(CgroupTreeTest, AWalkStopsAtItsLimits) {
  Make("d1");
  Make("d1/d2");
  const std::string deep = Make("d1/d2/d3");
  CgroupTree::Limits limits;
  limits.max_depth = 2;  // the root's children and theirs: base_ and base_/d1
  CgroupTree tree(root_, limits);
  EXPECT_EQ(tree.PathOf(Id(deep), 0), std::nullopt);
  EXPECT_TRUE(tree.truncated());
  limits.max_depth = 32;
  limits.max_cgroups = 2;
  CgroupTree small(root_, limits);
  small.PathOf(Id(deep), 0);
  EXPECT_TRUE(small.truncated());
}

}  // namespace
}  // namespace se
