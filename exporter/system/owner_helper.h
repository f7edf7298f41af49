#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>

#include "config/options.h"
#include "net/unique_fd.h"
#include "parsers/process_table.h"

namespace se {

// Socket owners read by a forked helper process ("se-owners"), so that the exporter itself can
// drop every capability: reading /proc/PID/fd of every process needs CAP_SYS_PTRACE and
// CAP_DAC_READ_SEARCH, which only the helper keeps. The helper holds no fd but its socket (no
// BPF maps, no listening socket, no namespaces), runs under a tighter seccomp filter and
// answers one request: scan procfs, reply with ProcessTable::Encode.
class OwnerHelper {
 public:
  // Forks the helper and waits (bounded) until it has confined itself. Never null: a helper
  // that could not start is logged once and answers every Scan with an empty table. Must run
  // while the process has one thread.
  static std::unique_ptr<OwnerHelper> Start(const std::string& procfs, LogFormat log_format);
  ~OwnerHelper();  // closes the socket, then reaps the helper (bounded)
  OwnerHelper(const OwnerHelper&) = delete;
  OwnerHelper& operator=(const OwnerHelper&) = delete;

  // One scan by the helper, waited for at most 2 s. After a timeout, EOF or bad reply it logs
  // one warning and answers with empty tables from then on: nothing left can restart it.
  ProcessTable Scan();

 private:
  OwnerHelper(pid_t pid, UniqueFd sock) : pid_(pid), sock_(std::move(sock)) {}
  bool Request(ProcessTable* out, std::string* error);
  void Fail(const std::string& error);  // caller holds mu_

  const pid_t pid_;
  std::mutex mu_;  // scrapes and detector ticks ask from different threads
  UniqueFd sock_;
  bool failed_ = false;
};

}  // namespace se
