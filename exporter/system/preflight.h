#pragma once

#include <cstdint>
#include <string>

namespace se {

// The kernel socket_exporter needs, worded the same in every message and document. (Resets
// to closed ports, and so port scans, are seen from 6.10 on; docs/architecture.md.)
inline constexpr const char* kKernelRequirement =
    "Linux 6.2 or newer with BTF (CONFIG_DEBUG_INFO_BTF=y)";

// Checks the effective capabilities needed to load BPF programs and read other
// namespaces; false with a one-line *error naming the missing ones and the fix.
bool CheckPrivileges(bool need_setns, std::string* error);

// Checks the kernel exposes BTF (needed for CO-RE and tp_btf programs).
bool CheckKernelBtf(const std::string& sysfs, std::string* error);

// Reads ip_local_port_range ("32768\t60999"); falls back to the kernel default.
void ReadEphemeralRange(const std::string& procfs, uint16_t* low, uint16_t* high);

}  // namespace se
