#include "parsers/process_table.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "net/unique_fd.h"

namespace se {
namespace {

// Parses a decimal pid directory name; 0 for anything else ("self", "sys", ...).
uint32_t ParsePid(const char* name) {
  uint64_t pid = 0;
  for (const char* p = name; *p; ++p) {
    if (*p < '0' || *p > '9' || pid > UINT32_MAX / 10) return 0;
    pid = pid * 10 + static_cast<uint64_t>(*p - '0');
  }
  return static_cast<uint32_t>(pid);
}

std::string ReadComm(int proc_fd, uint32_t pid) {
  const std::string path = std::to_string(pid) + "/comm";
  const UniqueFd fd(openat(proc_fd, path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return "";
  char buf[64];
  const ssize_t n = read(fd.get(), buf, sizeof(buf));
  if (n <= 0) return "";
  size_t len = static_cast<size_t>(n);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\0')) --len;
  return std::string(buf, len);
}

// Socket inodes among the open fds of one process; empty if it vanished.
std::vector<uint64_t> SocketInodes(int proc_fd, uint32_t pid) {
  std::vector<uint64_t> inodes;
  const std::string path = std::to_string(pid) + "/fd";
  UniqueFd fd(openat(proc_fd, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return inodes;
  DIR* dir = fdopendir(fd.get());
  if (!dir) return inodes;
  const int dir_fd = fd.release();  // closedir() closes it
  char target[64];
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const ssize_t n = readlinkat(dir_fd, e->d_name, target, sizeof(target));
    if (n <= 0) continue;
    const uint64_t inode = ParseSocketLink(target, static_cast<size_t>(n));
    if (inode) inodes.push_back(inode);
  }
  closedir(dir);
  return inodes;
}

}  // namespace

uint64_t ParseSocketLink(const char* target, size_t len) {
  static constexpr char kPrefix[] = "socket:[";
  constexpr size_t kPrefixLen = sizeof(kPrefix) - 1;
  if (len < kPrefixLen + 2 || std::memcmp(target, kPrefix, kPrefixLen) != 0) return 0;
  if (target[len - 1] != ']') return 0;
  uint64_t inode = 0;
  for (size_t i = kPrefixLen; i + 1 < len; ++i) {
    if (target[i] < '0' || target[i] > '9') return 0;
    inode = inode * 10 + static_cast<uint64_t>(target[i] - '0');
  }
  return inode;
}

ProcessTable ProcessTable::Scan(const std::string& procfs) {
  ProcessTable table;
  const UniqueFd proc(open(procfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc) return table;
  UniqueFd listing(dup(proc.get()));
  DIR* dir = listing ? fdopendir(listing.get()) : nullptr;
  if (!dir) return table;
  listing.release();  // closedir() closes it
  const int proc_fd = proc.get();
  while (const dirent* e = readdir(dir)) {
    const uint32_t pid = ParsePid(e->d_name);
    if (pid == 0) continue;
    const std::vector<uint64_t> inodes = SocketInodes(proc_fd, pid);
    if (inodes.empty()) continue;
    const std::string comm = ReadComm(proc_fd, pid);
    for (uint64_t inode : inodes) {
      auto it = table.owners_.find(inode);
      // Forked workers share their parent's sockets; the lowest pid (usually the parent) wins.
      if (it == table.owners_.end() || pid < it->second.pid) table.owners_[inode] = {pid, comm};
    }
  }
  closedir(dir);
  return table;
}

std::string ProcessTable::CommandFor(uint64_t inode) const {
  auto it = owners_.find(inode);
  return it == owners_.end() ? "" : it->second.comm;
}

}  // namespace se
