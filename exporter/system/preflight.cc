#include "system/preflight.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <vector>

namespace se {
namespace {

constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

bool HasCap(const __user_cap_data_struct (&data)[2], int cap) {
  return data[cap / 32].effective & (1U << (cap % 32));
}

}  // namespace

bool CheckPrivileges(bool need_setns, std::string* error) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return true;  // let the load report it
  const bool admin = HasCap(data, kCapSysAdmin);
  std::vector<std::string> missing;
  if (!admin && !HasCap(data, kCapBpf)) missing.push_back("CAP_BPF");
  if (!admin && !HasCap(data, kCapPerfmon)) missing.push_back("CAP_PERFMON");
  if (need_setns && !admin) missing.push_back("CAP_SYS_ADMIN (for --netns other than self)");
  if (missing.empty()) return true;
  std::string list;
  for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
  *error = "missing privileges: " + list +
           "; run as root or grant them (e.g. setcap cap_bpf,cap_perfmon+ep, or the "
           "container's capabilities)";
  return false;
}

bool CheckKernelBtf(const std::string& sysfs, std::string* error) {
  const std::string path = sysfs + "/kernel/btf/vmlinux";
  if (access(path.c_str(), R_OK) == 0) return true;
  *error = "kernel BTF not found at " + path + ": socket_exporter needs " + kKernelRequirement +
           "; in a container, mount the host's /sys read-only";
  return false;
}

void ReadEphemeralRange(const std::string& procfs, uint16_t* low, uint16_t* high) {
  std::ifstream in(procfs + "/sys/net/ipv4/ip_local_port_range");
  unsigned lo = 32768, hi = 60999;
  if (in >> lo >> hi && lo <= hi && hi <= 65535) {
    *low = static_cast<uint16_t>(lo);
    *high = static_cast<uint16_t>(hi);
    return;
  }
  *low = 32768;
  *high = 60999;
}

}  // namespace se
