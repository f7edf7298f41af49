#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

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

// The inode of a "socket:[INODE]" fd link target; 0 if it is not a socket.
uint64_t ParseSocketLink(const char* target, size_t len);

}  // namespace se
