#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/options.h"
#include "inventory/netns_sysctl.h"
#include "inventory/sock_diag.h"
#include "net/unique_fd.h"

namespace se {

// One network namespace to inventory.
struct NetnsTarget {
  uint64_t inode = 0;  // st_ino of its nsfs file, equal to the kernel's net->ns.inum
  UniqueFd fd;         // invalid for the process's own namespace
};

// One namespace of the scope with its sock_diag socket, as of the last Refresh().
struct NetnsHandle {
  uint64_t inode;
  int fd;          // the namespace file, owned by the scope; -1 for the process's own namespace
  SockDiag* diag;  // owned by the scope, valid until the next Refresh()
  const SynQueueSysctls* sysctls;  // likewise; nullptr if they could not be opened
  int netstat_fd = -1;             // its /proc/net/netstat, opened once; -1 for the process's own
};

// The namespaces in scope as one Refresh() found them; error is "" on success.
struct ScopeReading {
  std::vector<NetnsHandle> namespaces;
  std::string error;
};

// The set of network namespaces the exporter inventories, with one cached sock_diag socket
// per namespace. Not thread-safe: Inventory serializes its use.
class NetnsScope {
 public:
  // kSelf: the process's own namespace; kPath: the namespace file at path; kAll: every
  // namespace of the host, rediscovered on each Refresh(). Returns nullptr and a one-line
  // *error if path is not a network namespace or a socket cannot be opened.
  static std::unique_ptr<NetnsScope> Create(NetnsMode mode, const std::string& path,
                                            const std::string& procfs, std::string* error);
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

  // The namespace's inode for kSelf and kPath; 0 for kAll.
  uint64_t inode() const { return inode_; }

  // Brings the namespace list up to date (kAll: opens sockets only for new namespaces and
  // drops vanished ones) and returns it; an error if nothing could be inventoried. The
  // handles stay valid until the next Refresh().
  // rediscover: with --netns=all, look for namespaces that appeared or went (a stat of every
  // /proc/PID/ns/net); otherwise the ones found last time.
  ScopeReading Refresh(bool rediscover = true);
  // Whether the last discovery found this namespace (opened, or failed and warned about).
  bool Knows(uint64_t netns_inode) const {
    return entries_.count(netns_inode) || failed_.count(netns_inode);
  }

 private:
  struct Entry {
    NetnsTarget target;
    std::unique_ptr<SockDiag> diag;
    std::unique_ptr<SynQueueSysctls> sysctls;
    UniqueFd netstat;  // invalid for the process's own namespace
  };
  NetnsScope(NetnsMode mode, std::string procfs) : mode_(mode), procfs_(std::move(procfs)) {}
  bool Add(NetnsTarget target, std::string* error);
  void RefreshAll();
  std::vector<NetnsHandle> Handles() const;

  NetnsMode mode_;
  std::string procfs_;
  uint64_t inode_ = 0;
  std::map<uint64_t, Entry> entries_;  // by namespace inode
  std::set<uint64_t> failed_;          // namespaces already warned about, to log once
};

// Opens path and checks it is a network namespace; returns the fd, or an invalid one with
// *error set to "--netns=PATH: ...".
UniqueFd OpenNetnsPath(const std::string& path, uint64_t* inode, std::string* error);

}  // namespace se
