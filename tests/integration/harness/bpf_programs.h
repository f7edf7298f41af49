// Which BPF programs are loaded and who holds them, to prove the exporter leaves none behind.
#ifndef SE_TEST_HARNESS_BPF_PROGRAMS_H_
#define SE_TEST_HARNESS_BPF_PROGRAMS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace se::test {

struct BpfProgram {
  uint32_t id = 0;
  std::string name;  // kernel name, truncated to 15 characters
};

std::vector<BpfProgram> ListBpfPrograms();
std::set<uint32_t> BpfProgramIds();
// Programs referenced by fds (program or link fds) of pid, from /proc/PID/fdinfo.
std::set<uint32_t> BpfProgramIdsHeldBy(pid_t pid);

// Ids among `ids` still loaded after waiting up to `timeout` (programs are freed after an RCU
// grace period, so a just-exited owner's programs linger briefly).
std::set<uint32_t> ProgramsStillLoaded(const std::set<uint32_t>& ids,
                                       std::chrono::milliseconds timeout);

// Programs loaded since `baseline` that no live process holds (pinned or left attached), after
// waiting up to `timeout` for them to go away. Programs of other running processes are ignored.
std::vector<BpfProgram> OrphanedProgramsSince(const std::set<uint32_t>& baseline,
                                              std::chrono::milliseconds timeout);

std::string Describe(const std::vector<BpfProgram>& programs);

}  // namespace se::test

#endif  // SE_TEST_HARNESS_BPF_PROGRAMS_H_
