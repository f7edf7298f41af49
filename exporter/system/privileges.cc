#include "system/privileges.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef SE_SANITIZER_RUNTIME
#include <sanitizer/common_interface_defs.h>
#endif

#include <cerrno>
#include <cstring>
#include <memory>

namespace se {
namespace {

using CapHandle = std::unique_ptr<std::remove_pointer_t<cap_t>, int (*)(void*)>;

bool Kept(const std::vector<KeptCapability>& keep, int cap) {
  for (const auto& k : keep)
    if (k.cap == cap) return true;
  return false;
}

// Permitted and effective become `keep`; inheritable becomes empty.
bool SetProcessCaps(const std::vector<KeptCapability>& keep, std::string* error) {
  CapHandle caps(cap_init(), cap_free);
  if (!caps) {
    *error = std::string("cap_init: ") + std::strerror(errno);
    return false;
  }
  for (const auto& k : keep) {
    const cap_value_t v = k.cap;
    if (cap_set_flag(caps.get(), CAP_PERMITTED, 1, &v, CAP_SET) != 0 ||
        cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &v, CAP_SET) != 0) {
      *error = "cap_set_flag(" + CapabilityNames({k}) + "): " + std::strerror(errno);
      return false;
    }
  }
  if (cap_set_proc(caps.get()) != 0) {
    *error = std::string("cap_set_proc: ") + std::strerror(errno);
    return false;
  }
  return true;
}

// Drops every capability outside `keep` from the bounding set (needs CAP_SETPCAP, so first).
bool DropBounding(const std::vector<KeptCapability>& keep, std::string* error) {
  for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (Kept(keep, cap) || CAP_IS_SUPPORTED(cap) == 0) continue;
    if (cap_drop_bound(cap) != 0) {
      *error = "dropping " + CapabilityNames({{cap, ""}}) +
               " from the bounding set: " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

bool Has(cap_value_t cap, cap_flag_t set) {
  CapHandle caps(cap_get_proc(), cap_free);
  cap_flag_value_t v = CAP_CLEAR;
  return caps && cap_get_flag(caps.get(), cap, set, &v) == 0 && v == CAP_SET;
}

// One that was never granted cannot be kept (a container may grant CAP_SYS_ADMIN alone).
std::vector<KeptCapability> HeldOnly(const std::vector<KeptCapability>& wanted) {
  std::vector<KeptCapability> held;
  for (const auto& k : wanted)
    if (Has(k.cap, CAP_PERMITTED)) held.push_back(k);
  return held;
}

}  // namespace

std::vector<KeptCapability> CapabilitiesToKeep(NetnsMode mode, bool map_access_needs_cap_bpf) {
  std::vector<KeptCapability> keep;
  if (mode == NetnsMode::kAll) {
    keep.push_back({CAP_SYS_ADMIN, "setns() into network namespaces created after start-up"});
    keep.push_back({CAP_SYS_PTRACE, "opening /proc/PID/ns/net and /proc/PID/fd of any process"});
    keep.push_back({CAP_DAC_READ_SEARCH, "listing /proc/PID/fd of other users' processes"});
  }
  if (map_access_needs_cap_bpf)
    keep.push_back({CAP_BPF, "bpf() on open map fds (kernel.unprivileged_bpf_disabled)"});
  return HeldOnly(keep);
}

bool CanAdministerNetwork() {
  return Has(CAP_NET_ADMIN, CAP_EFFECTIVE) || Has(CAP_SYS_ADMIN, CAP_EFFECTIVE);
}

std::vector<KeptCapability> OwnerHelperCapabilities() {
  return HeldOnly({{CAP_SYS_PTRACE, "reading /proc/PID/fd of processes of other users"},
                   {CAP_DAC_READ_SEARCH, "listing /proc/PID/fd directories it does not own"}});
}

bool MapAccessNeedsCapBpf(int map_fd) {
  const pid_t child = fork();
  if (child < 0) return true;  // cannot tell: keep what may be needed
  if (child == 0) {
    cap_t none = cap_init();
    if (!none || cap_set_proc(none) != 0) _exit(2);
    uint32_t key = 0;
    uint32_t value = 0;
    const int rc = bpf_map_lookup_elem(map_fd, &key, &value);
    _exit(rc == 0 ? 0 : (errno == EPERM ? 1 : 2));
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

bool RaisePermittedCapabilities(std::string* error) {
  CapHandle caps(cap_get_proc(), cap_free);
  if (!caps) {
    *error = std::string("cap_get_proc: ") + std::strerror(errno);
    return false;
  }
  bool raise = false;
  for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (!Has(cap, CAP_PERMITTED) || Has(cap, CAP_EFFECTIVE)) continue;
    raise = true;
    if (cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &cap, CAP_SET) != 0) {
      *error = "cap_set_flag(" + CapabilityNames({{cap, ""}}) + "): " + std::strerror(errno);
      return false;
    }
  }
  if (raise && cap_set_proc(caps.get()) != 0) {
    *error =
        std::string("raising the permitted capabilities: cap_set_proc: ") + std::strerror(errno);
    return false;
  }
  return true;
}

void StopSanitizerThreads() {
#ifdef SE_SANITIZER_RUNTIME
  __sanitizer_sandbox_on_notify(nullptr);
#endif
}

bool DropPrivileges(const std::vector<KeptCapability>& keep, std::string* error, int allowed) {
  StopSanitizerThreads();
  int threads = CountThreads();
  // A thread joined a moment ago can stay listed until the kernel has released it.
  for (int i = 0; i < 100 && threads > allowed; ++i) {
    usleep(1000);
    threads = CountThreads();
  }
  if (threads > allowed) {
    *error = "dropping capabilities: " + std::to_string(threads) +
             " threads already run (each would keep its own capabilities)";
    return false;
  }
  // Without CAP_SETPCAP (e.g. setcap cap_bpf,cap_perfmon+ep) the bounding set stays: with
  // no_new_privs and no execve it can grant nothing.
  if (Has(CAP_SETPCAP, CAP_EFFECTIVE) && !DropBounding(keep, error)) return false;
  if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() != 0) {
    *error = std::string("clearing the ambient capabilities: ") + std::strerror(errno);
    return false;
  }
  if (!SetProcessCaps(keep, error)) return false;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    *error = std::string("prctl(PR_SET_NO_NEW_PRIVS): ") + std::strerror(errno);
    return false;
  }
  return true;
}

std::string CapabilityNames(const std::vector<KeptCapability>& caps) {
  std::string out;
  for (const auto& k : caps) {
    char* name = cap_to_name(k.cap);
    out += (out.empty() ? "" : ",") + std::string(name ? name : "?");
    cap_free(name);
  }
  return out.empty() ? "none" : out;
}

int CountThreads() {
  DIR* d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  while (const dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

}  // namespace se
