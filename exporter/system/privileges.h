#pragma once

#include <string>
#include <vector>

#include "config/options.h"

namespace se {

// One capability the running exporter keeps, and why (logged at start-up).
struct KeptCapability {
  int cap;          // CAP_* number
  const char* why;  // one phrase for the log line
};

// What the exporter keeps after start-up: nothing for --netns=self and --netns=PATH;
// CAP_SYS_ADMIN to enter namespaces created later for --netns=all, with CAP_SYS_PTRACE and
// CAP_DAC_READ_SEARCH to open their /proc/PID/ns/net; CAP_BPF if map access needs it.
std::vector<KeptCapability> CapabilitiesToKeep(NetnsMode mode, bool map_access_needs_cap_bpf);

// What the owner helper keeps (those of the two that are held): CAP_SYS_PTRACE and
// CAP_DAC_READ_SEARCH, to list every process's /proc/PID/fd.
std::vector<KeptCapability> OwnerHelperCapabilities();

// Whether bpf() on an already open map fd needs CAP_BPF (kernels before 6.5 with
// kernel.unprivileged_bpf_disabled): a forked child drops its capabilities and looks up key 0
// of map_fd, an array map. Forks, so it must run before any thread exists.
bool MapAccessNeedsCapBpf(int map_fd);

// Reduces the calling thread's effective, permitted, inheritable, ambient and bounding sets to
// `keep`, then sets no_new_privs. Must run while the thread is the process's only one (threads
// have their own sets; later ones inherit these); false with a one-line *error otherwise.
bool DropPrivileges(const std::vector<KeptCapability>& keep, std::string* error);

// "cap_sys_admin,cap_sys_ptrace", or "none".
std::string CapabilityNames(const std::vector<KeptCapability>& caps);

// The number of threads of this process (entries of /proc/self/task).
int CountThreads();

}  // namespace se
