#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace se {

// Socket inode -> command name of a process holding it, from <procfs>/[pid]/fd.
class ProcessTable {
 public:
  // Scans every process once; pids that exit during the scan are skipped.
  static ProcessTable Scan(const std::string& procfs);

  // The owner's command name (/proc/PID/comm), or "" if no process holds the socket.
  std::string CommandFor(uint64_t inode) const;

  // Records that pid holds the socket; forked workers share their parent's sockets, so the
  // lowest pid (usually the parent) wins.
  void Add(uint64_t inode, uint32_t pid, std::string comm);

  size_t size() const { return owners_.size(); }

  // The owners of `inodes` from this table, or from `fallback` where this one has none.
  ProcessTable Only(const std::vector<uint64_t>& inodes, const ProcessTable& fallback) const;

  // A self-contained byte string for another process (the owner helper's replies).
  std::string Encode() const;
  // Replaces *out with the table `bytes` encodes; false (and *out untouched) for anything
  // Encode could not have written.
  static bool Decode(std::string_view bytes, ProcessTable* out);

 private:
  struct Owner {
    uint32_t pid;
    std::string comm;
  };
  std::unordered_map<uint64_t, Owner> owners_;
};

// Owners of listening sockets, remembered by socket inode: the process table (a walk of every
// process's fds) is scanned again only when a listener appears that no scan has looked for
// yet, so its cost follows new listeners, not time or the number of processes. A socket that
// no process holds (or that this procfs cannot see) is looked for once.
class OwnerCache {
 public:
  // A table with the owners of `inodes` as far as a scan could find them; calls scan() only
  // if one of them has not been looked for.
  const ProcessTable& For(const std::vector<uint64_t>& inodes,
                          const std::function<ProcessTable()>& scan);
  uint64_t scans() const { return scans_; }

 private:
  ProcessTable table_;
  std::unordered_set<uint64_t> looked_for_;  // the inodes the last scan was for
  uint64_t scans_ = 0;
};

// The inode of a "socket:[INODE]" fd link target; 0 if it is not a socket.
uint64_t ParseSocketLink(const char* target, size_t len);

}  // namespace se
