#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace se {

// Socket inode -> command name of a process holding it, from <procfs>/[pid]/fd.
class ProcessTable {
 public:
  // Scans every process once; pids that exit during the scan are skipped.
  static ProcessTable Scan(const std::string& procfs);

  // The owner's command name (/proc/PID/comm), or "" if no process holds the socket.
  std::string CommandFor(uint64_t inode) const;

  size_t size() const { return owners_.size(); }

 private:
  struct Owner {
    uint32_t pid;
    std::string comm;
  };
  std::unordered_map<uint64_t, Owner> owners_;
};

// The inode of a "socket:[INODE]" fd link target; 0 if it is not a socket.
uint64_t ParseSocketLink(const char* target, size_t len);

}  // namespace se
