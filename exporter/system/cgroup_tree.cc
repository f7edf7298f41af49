#include "system/cgroup_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <utility>

namespace se {

std::string Cgroup2Root() {
  std::ifstream mounts("/proc/self/mounts");
  std::string device, path, type, rest;
  while (mounts >> device >> path >> type && std::getline(mounts, rest)) {
    if (type == "cgroup2") return path;
  }
  return "";
}

uint64_t CgroupIdOf(const std::string& dir) {
  struct {
    file_handle handle;
    uint64_t id;
  } fh{};
  fh.handle.handle_bytes = sizeof(fh.id);
  int mount_id = 0;
  if (name_to_handle_at(AT_FDCWD, dir.c_str(), &fh.handle, &mount_id, 0) != 0) return 0;
  return fh.handle.handle_bytes == sizeof(fh.id) ? fh.id : 0;
}

CgroupTree::CgroupTree(std::string root, Limits limits)
    : root_(std::move(root)), limits_(limits) {}

std::optional<std::string> CgroupTree::PathOf(uint64_t id, uint64_t now_ns) {
  auto it = paths_.find(id);
  const bool may_walk = walks_ == 0 || now_ns - last_walk_ns_ >= limits_.min_rescan_ns;
  if (it == paths_.end() && may_walk) {
    last_walk_ns_ = now_ns;
    Walk();
    it = paths_.find(id);
  }
  if (it == paths_.end()) return std::nullopt;
  return it->second;
}

void CgroupTree::Walk() {
  ++walks_;
  truncated_ = false;
  paths_.clear();
  const int fd = open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st{};
  if (fstat(fd, &st) == 0) paths_[st.st_ino] = "/";
  WalkDir(fd, "", 0);  // closes fd
}

// Reads the subdirectories of dir_fd (which it closes) into paths_, depth first.
void CgroupTree::WalkDir(int dir_fd, const std::string& path, size_t depth) {
  DIR* dir = fdopendir(dir_fd);
  if (!dir) {
    close(dir_fd);
    return;
  }
  while (const dirent* e = readdir(dir)) {
    if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
    if (paths_.size() >= limits_.max_cgroups || depth >= limits_.max_depth) {
      truncated_ = true;
      break;
    }
    const int child = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child < 0) continue;  // removed meanwhile
    struct stat st{};
    if (fstat(child, &st) != 0) {
      close(child);
      continue;
    }
    const std::string child_path = path + "/" + e->d_name;
    paths_[st.st_ino] = child_path;
    WalkDir(child, child_path, depth + 1);
  }
  closedir(dir);
}

}  // namespace se
