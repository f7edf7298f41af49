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

// Whether CAP_NET_ADMIN (or CAP_SYS_ADMIN, which stands in for it) is effective: the kernel
// refuses to load a TC program without one.
bool CanAdministerNetwork();

// What the owner helper keeps (those of the two that are held): CAP_SYS_PTRACE and
// CAP_DAC_READ_SEARCH, to list every process's /proc/PID/fd.
std::vector<KeptCapability> OwnerHelperCapabilities();

// Whether bpf() on an already open map fd needs CAP_BPF (kernels before 6.5 with
// kernel.unprivileged_bpf_disabled): a forked child drops its capabilities and looks up key 0
// of map_fd, an array map. Forks, so it must run before any thread exists.
bool MapAccessNeedsCapBpf(int map_fd);

// Makes every permitted capability effective. A binary given file capabilities without the
// effective bit (setcap ...+p, as in the container image) starts with them permitted only; with
// +ep, exec would fail outright wherever the runtime grants fewer than the file names.
bool RaisePermittedCapabilities(std::string* error);

// Reduces the calling thread's effective, permitted, inheritable, ambient and bounding sets to
// `keep`, then sets no_new_privs. Must run while the thread is the process's only one (threads
// have their own sets; later ones inherit these); false with a one-line *error otherwise.
// `threads` is how many threads the process may have (1; a forked child of a TSan build also
// runs the runtime's own, which cannot be stopped there).
bool DropPrivileges(const std::vector<KeptCapability>& keep, std::string* error, int threads = 1);

// "cap_sys_admin,cap_sys_ptrace", or "none".
std::string CapabilityNames(const std::vector<KeptCapability>& caps);

// In sanitized builds, stops the runtime's background thread (TSan starts one with the first
// thread, and again in a forked child unless it was stopped before the fork), which would keep
// its own capabilities; a no-op otherwise.
void StopSanitizerThreads();

// The number of threads of this process (entries of /proc/self/task).
int CountThreads();

}  // namespace se
