#include "inventory/netns_scope.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "inventory/netstat.h"
#include "logging/log.h"

namespace se {
namespace {

constexpr const char* kNamedNetnsDir = "/run/netns";  // where `ip netns add` bind-mounts

// Adds every entry of dir that stats as a file; suffix is appended to each entry's path.
void StatEntries(const std::string& dir, const char* suffix, bool numeric_only,
                 std::map<uint64_t, std::string>* found) {
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (const dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (numeric_only && (e->d_name[0] < '0' || e->d_name[0] > '9')) continue;
    const std::string path = dir + "/" + e->d_name + suffix;
    struct stat st;
    if (stat(path.c_str(), &st) != 0) continue;  // the process exited meanwhile
    found->emplace(static_cast<uint64_t>(st.st_ino), path);
  }
  closedir(d);
}

}  // namespace

UniqueFd OpenNetnsPath(const std::string& path, uint64_t* inode, std::string* error) {
  const std::string prefix = "--netns=" + path + ": ";
  const std::string expected =
      " (expected a network namespace such as /proc/PID/ns/net or "
      "/run/netns/NAME)";
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    *error = prefix + std::strerror(errno) + expected;
    return fd;
  }
  struct stat st;
  if (ioctl(fd.get(), NS_GET_NSTYPE) != CLONE_NEWNET || fstat(fd.get(), &st) != 0) {
    *error = prefix + "not a network namespace (expected /proc/PID/ns/net or /run/netns/NAME)";
    return UniqueFd();
  }
  *inode = static_cast<uint64_t>(st.st_ino);
  return fd;
}

std::unique_ptr<NetnsScope> NetnsScope::Create(NetnsMode mode, const std::string& path,
                                               const std::string& procfs, std::string* error) {
  std::unique_ptr<NetnsScope> scope(new NetnsScope(mode, procfs));
  if (mode == NetnsMode::kAll) {
    ScopeReading first = scope->Refresh();
    if (!first.error.empty()) {
      *error = first.error;
      return nullptr;
    }
    return scope;
  }
  NetnsTarget target;
  if (mode == NetnsMode::kPath) {
    target.fd = OpenNetnsPath(path, &target.inode, error);
    if (!target.fd) return nullptr;
  } else {
    struct stat st;
    // The process's own namespace, from the real /proc even when --path.procfs moves it.
    if (stat("/proc/self/ns/net", &st) != 0) {
      *error = std::string("/proc/self/ns/net: ") + std::strerror(errno);
      return nullptr;
    }
    target.inode = static_cast<uint64_t>(st.st_ino);
  }
  scope->inode_ = target.inode;
  if (!scope->Add(std::move(target), error)) {
    if (mode == NetnsMode::kPath) *error = "--netns=" + path + ": " + *error;
    return nullptr;
  }
  return scope;
}

bool NetnsScope::Add(NetnsTarget target, std::string* error) {
  std::unique_ptr<SockDiag> diag = SockDiag::Open(target.fd.get(), error);
  if (!diag) return false;
  std::string sysctl_error;
  std::unique_ptr<SynQueueSysctls> sysctls =
      SynQueueSysctls::Open(target.fd.get(), procfs_, &sysctl_error);
  if (!sysctls)
    log::Debug("SYN queue sysctls unavailable; using listen backlogs only",
               {{"netns", std::to_string(target.inode)}, {"error", sysctl_error}});
  UniqueFd netstat;
  if (target.fd && !(netstat = OpenNetstat(target.fd.get(), error))) return false;
  const uint64_t inode = target.inode;
  entries_[inode] =
      Entry{std::move(target), std::move(diag), std::move(sysctls), std::move(netstat)};
  return true;
}

ScopeReading NetnsScope::Refresh(bool rediscover) {
  ScopeReading reading;
  if (mode_ == NetnsMode::kAll && (rediscover || entries_.empty())) RefreshAll();
  if (entries_.empty()) {
    reading.error = "no network namespace found under " + procfs_ + " or " + kNamedNetnsDir;
    return reading;
  }
  reading.namespaces = Handles();
  return reading;
}

void NetnsScope::RefreshAll() {
  log::Debug("looking for network namespaces");
  std::map<uint64_t, std::string> found;  // inode -> one path that reaches it
  StatEntries(procfs_, "/ns/net", true, &found);
  StatEntries(kNamedNetnsDir, "", false, &found);
  // A cached socket pins its namespace, so an inode cannot be reused while it is cached.
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (found.count(it->first)) {
      ++it;
      continue;
    }
    it = entries_.erase(it);
  }
  for (auto it = failed_.begin(); it != failed_.end();) {
    it = found.count(*it) ? std::next(it) : failed_.erase(it);
  }
  for (const auto& [inode, path] : found) {
    if (entries_.count(inode)) continue;
    NetnsTarget target;
    std::string error;
    target.fd = OpenNetnsPath(path, &target.inode, &error);
    // Skip a pid that exited or was reused between stat() and open().
    if (!target.fd || target.inode != inode) continue;
    if (!Add(std::move(target), &error) && failed_.insert(inode).second)
      log::Warn("cannot open sock_diag in network namespace",
                {{"netns", std::to_string(inode)}, {"path", path}, {"error", error}});
  }
}

std::vector<NetnsHandle> NetnsScope::Handles() const {
  std::vector<NetnsHandle> out;
  out.reserve(entries_.size());
  for (const auto& [inode, entry] : entries_)
    out.push_back(
        {inode, entry.target.fd.get(), entry.diag.get(), entry.sysctls.get(), entry.netstat.get()});
  return out;
}

}  // namespace se
