#pragma once

#include <string>

#include "config/options.h"

namespace se {

struct SeccompOptions {
  LogFormat log_format = LogFormat::kLogfmt;  // of the one line a violation writes
  bool allow_setns = false;  // --netns=all enters namespaces created after start-up
};

// Installs the allowlist of the system calls the running exporter makes, on every thread
// (SCMP_FLTATR_CTL_TSYNC). Any other call raises SIGSYS, whose handler writes one log line to
// stderr naming the call and kills the process with SIGSYS. Needs no_new_privs (or
// CAP_SYS_ADMIN); false with a one-line *error if the filter cannot be installed.
bool InstallSeccomp(const SeccompOptions& options, std::string* error);

// The owner helper's tighter allowlist (read-only /proc, socket_fd, memory, exit), on the
// calling thread only; a violation logs and kills the same way.
bool InstallOwnerHelperSeccomp(LogFormat log_format, int socket_fd, std::string* error);

}  // namespace se
