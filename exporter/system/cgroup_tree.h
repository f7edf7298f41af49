#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace se {

// Mount point of the cgroup v2 hierarchy in /proc/self/mounts, or "" if there is none.
std::string Cgroup2Root();

// The cgroup id of a cgroup v2 directory (its file handle holds it); 0 if it cannot be read.
uint64_t CgroupIdOf(const std::string& dir);

// The id the kernel gives the root of the cgroup v2 hierarchy.
inline constexpr uint64_t kRootCgroupId = 1;

// Cgroup ids, as the kernel records them on every socket, to their paths below a cgroup v2
// mount. A cgroup v2 directory's inode number is its id; the tree is walked again only when an
// id is asked for that the last walk did not see, at most once per `min_rescan_ns` of the clock
// the caller passes (a socket of a cgroup that is gone must not cost a walk every time).
class CgroupTree {
 public:
  struct Limits {
    size_t max_depth = 32;          // deeper directories are not read
    size_t max_cgroups = 200000;    // a walk stops after this many
    uint64_t min_rescan_ns = 1000000000;
  };

  explicit CgroupTree(std::string root) : CgroupTree(std::move(root), Limits()) {}
  CgroupTree(std::string root, Limits limits);

  // The path of cgroup `id` below the root ("/" for the root itself), or nullopt if no
  // walk has found it (it is gone, or appeared after a walk not yet allowed to run again).
  std::optional<std::string> PathOf(uint64_t id, uint64_t now_ns);

  size_t walks() const { return walks_; }
  bool truncated() const { return truncated_; }  // the last walk hit a limit

 private:
  void Walk();
  void WalkDir(int dir_fd, const std::string& path, size_t depth);

  const std::string root_;
  const Limits limits_;
  std::unordered_map<uint64_t, std::string> paths_;
  uint64_t last_walk_ns_ = 0;
  size_t walks_ = 0;
  bool truncated_ = false;
};

}  // namespace se
