#include "parsers/process_table.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "net/unique_fd.h"

namespace se {
namespace {

// Encode's layout: magic, u64 count, then per entry u64 inode, u32 pid, u8 length, comm bytes;
// little-endian whatever the host, so a dump stays readable elsewhere.
constexpr char kMagic[] = {'S', 'E', 'P', 'T', '1'};
constexpr size_t kMinEntry = 8 + 4 + 1;
constexpr size_t kMaxComm = 255;  // the kernel's comm is 15 bytes; procfs fixtures may be longer

template <typename T>
void PutInt(T v, std::string* out) {
  for (size_t i = 0; i < sizeof(T); ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

template <typename T>
bool TakeInt(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  uint64_t x = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    x |= static_cast<uint64_t>(static_cast<unsigned char>((*in)[i])) << (8 * i);
  *v = static_cast<T>(x);
  in->remove_prefix(sizeof(T));
  return true;
}

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
    for (uint64_t inode : inodes) table.Add(inode, pid, comm);
  }
  closedir(dir);
  return table;
}

void ProcessTable::Add(uint64_t inode, uint32_t pid, std::string comm) {
  auto it = owners_.find(inode);
  if (it == owners_.end()) {
    owners_.emplace(inode, Owner{pid, std::move(comm)});
  } else if (pid < it->second.pid) {
    it->second = {pid, std::move(comm)};
  }
}

std::string ProcessTable::Encode() const {
  std::string out(kMagic, sizeof(kMagic));
  PutInt<uint64_t>(owners_.size(), &out);
  for (const auto& [inode, owner] : owners_) {
    const size_t len = std::min(owner.comm.size(), kMaxComm);
    PutInt<uint64_t>(inode, &out);
    PutInt<uint32_t>(owner.pid, &out);
    PutInt<uint8_t>(static_cast<uint8_t>(len), &out);
    out.append(owner.comm, 0, len);
  }
  return out;
}

bool ProcessTable::Decode(std::string_view bytes, ProcessTable* out) {
  if (bytes.substr(0, sizeof(kMagic)) != std::string_view(kMagic, sizeof(kMagic))) return false;
  bytes.remove_prefix(sizeof(kMagic));
  uint64_t count = 0;
  // Each entry takes at least kMinEntry bytes: a count beyond that is a lie, not an allocation.
  if (!TakeInt(&bytes, &count) || count > bytes.size() / kMinEntry) return false;
  ProcessTable table;
  table.owners_.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t inode = 0;
    uint32_t pid = 0;
    uint8_t len = 0;
    if (!TakeInt(&bytes, &inode) || !TakeInt(&bytes, &pid) || !TakeInt(&bytes, &len) ||
        bytes.size() < len)
      return false;
    table.Add(inode, pid, std::string(bytes.substr(0, len)));
    bytes.remove_prefix(len);
  }
  if (!bytes.empty()) return false;
  *out = std::move(table);
  return true;
}

std::string ProcessTable::CommandFor(uint64_t inode) const {
  auto it = owners_.find(inode);
  return it == owners_.end() ? "" : it->second.comm;
}

ProcessTable ProcessTable::Only(const std::vector<uint64_t>& inodes,
                                const ProcessTable& fallback) const {
  ProcessTable out;
  for (uint64_t inode : inodes) {
    for (const ProcessTable* from : {this, &fallback}) {
      const auto it = from->owners_.find(inode);
      if (it == from->owners_.end()) continue;
      out.owners_.emplace(inode, it->second);
      break;
    }
  }
  return out;
}

const ProcessTable& OwnerCache::For(const std::vector<uint64_t>& inodes,
                                    const std::function<ProcessTable()>& scan) {
  bool unseen = false;
  for (uint64_t inode : inodes) unseen |= !looked_for_.count(inode);
  if (unseen) {
    // Kept: the owners of these listeners only, those found before if this scan lacks them
    // (a failed scan does not take the names it found before).
    table_ = scan().Only(inodes, table_);
    ++scans_;
  }
  // Forget listeners that are gone, so a set that only shrinks never triggers a scan.
  looked_for_ = std::unordered_set<uint64_t>(inodes.begin(), inodes.end());
  return table_;
}

}  // namespace se
