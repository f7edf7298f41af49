#include "harness/bpf_programs.h"

#include <dirent.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <thread>

#include "harness/command.h"

namespace se::test {
namespace {

long BpfSyscall(bpf_cmd cmd, bpf_attr* attr) { return syscall(__NR_bpf, cmd, attr, sizeof(*attr)); }

bool NextProgramId(uint32_t start, uint32_t* next) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.start_id = start;
  if (BpfSyscall(BPF_PROG_GET_NEXT_ID, &attr) != 0) return false;
  *next = attr.next_id;
  return true;
}

// Name of a loaded program; false if it is gone.
bool ProgramName(uint32_t id, std::string* name) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.prog_id = id;
  const int fd = static_cast<int>(BpfSyscall(BPF_PROG_GET_FD_BY_ID, &attr));
  if (fd < 0) return false;
  bpf_prog_info info;
  std::memset(&info, 0, sizeof(info));
  std::memset(&attr, 0, sizeof(attr));
  attr.info.bpf_fd = static_cast<uint32_t>(fd);
  attr.info.info_len = sizeof(info);
  attr.info.info = reinterpret_cast<uint64_t>(&info);
  const bool ok = BpfSyscall(BPF_OBJ_GET_INFO_BY_FD, &attr) == 0;
  close(fd);
  if (ok) *name = std::string(info.name, strnlen(info.name, sizeof(info.name)));
  return ok;
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> entries;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return entries;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') entries.emplace_back(e->d_name);
  }
  closedir(dir);
  return entries;
}

void AddHeldIds(const std::string& fdinfo_dir, std::set<uint32_t>* ids) {
  for (const auto& fd : ListDir(fdinfo_dir)) {
    const std::string text = ReadFile(fdinfo_dir + "/" + fd);
    const size_t at = text.find("prog_id:");
    if (at != std::string::npos) ids->insert(std::strtoul(text.c_str() + at + 8, nullptr, 10));
  }
}

std::set<uint32_t> HeldByAnyProcess() {
  std::set<uint32_t> ids;
  for (const auto& entry : ListDir("/proc")) {
    if (entry.find_first_not_of("0123456789") != std::string::npos) continue;
    AddHeldIds("/proc/" + entry + "/fdinfo", &ids);
  }
  return ids;
}

}  // namespace

std::vector<BpfProgram> ListBpfPrograms() {
  std::vector<BpfProgram> programs;
  uint32_t id = 0;
  while (NextProgramId(id, &id)) {
    BpfProgram p{id, ""};
    if (ProgramName(id, &p.name)) programs.push_back(p);
  }
  return programs;
}

std::set<uint32_t> BpfProgramIds() {
  std::set<uint32_t> ids;
  for (const auto& p : ListBpfPrograms()) ids.insert(p.id);
  return ids;
}

std::set<uint32_t> BpfProgramIdsHeldBy(pid_t pid) {
  std::set<uint32_t> ids;
  AddHeldIds("/proc/" + std::to_string(pid) + "/fdinfo", &ids);
  return ids;
}

std::set<uint32_t> ProgramsStillLoaded(const std::set<uint32_t>& ids,
                                       std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::set<uint32_t> alive;
    for (const uint32_t id : BpfProgramIds()) {
      if (ids.count(id)) alive.insert(id);
    }
    if (alive.empty() || std::chrono::steady_clock::now() >= deadline) return alive;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::vector<BpfProgram> OrphanedProgramsSince(const std::set<uint32_t>& baseline,
                                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::set<uint32_t> seen_before;
  while (true) {
    // Programs first, holders second: a program loaded in between is simply not listed.
    const std::vector<BpfProgram> programs = ListBpfPrograms();
    const std::set<uint32_t> held = HeldByAnyProcess();
    std::vector<BpfProgram> orphans;
    std::set<uint32_t> seen_now;
    for (const auto& p : programs) {
      if (baseline.count(p.id) || held.count(p.id)) continue;
      seen_now.insert(p.id);
      // Orphaned in two polls in a row: one being freed after its owner exited is transient.
      if (seen_before.count(p.id)) orphans.push_back(p);
    }
    if (seen_now.empty()) return {};
    if (std::chrono::steady_clock::now() >= deadline) return orphans;
    seen_before = seen_now;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string Describe(const std::vector<BpfProgram>& programs) {
  std::string out;
  for (const auto& p : programs) out += std::to_string(p.id) + ":" + p.name + " ";
  return out.empty() ? "(none)" : out;
}

}  // namespace se::test
