// Child processes for tests: run a command to completion, or spawn one and manage it.
#ifndef SE_TEST_HARNESS_COMMAND_H_
#define SE_TEST_HARNESS_COMMAND_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace se::test {

// How a child ended: exit code, or 128 + signal number, or kTimedOut.
inline constexpr int kTimedOut = -1;

struct CommandResult {
  int exit_code = kTimedOut;
  std::string out;  // stdout
  std::string err;  // stderr
  bool timed_out() const { return exit_code == kTimedOut; }
};

// Options of a spawned child; the fds are dup'ed onto stdout/stderr/stdin, -1 means /dev/null.
struct SpawnOptions {
  int stdout_fd = -1;
  int stderr_fd = -1;
  std::string netns_path;  // setns() into this network namespace before exec, if set
  int stdin_fd = -1;
};

// Forks and execs argv[0] (searched in PATH) with no other inherited fds; returns the pid or -1.
// The child is killed if the spawning thread exits, so spawn from a long-lived thread.
pid_t Spawn(const std::vector<std::string>& argv, const SpawnOptions& options);

// Waits at most `timeout` for pid; returns its exit code as above, or kTimedOut (still running).
int WaitForExit(pid_t pid, std::chrono::milliseconds timeout);

// Runs argv to completion with `input` on stdin, capturing stdout and stderr; kills it after
// `timeout`.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10),
                         const std::string& input = "");

// True if `program` is an executable file in PATH.
bool InPath(const std::string& program);

// The command name (comm) of a process, as the kernel reports it (at most 15 characters).
std::string ProcessComm(pid_t pid);

// Reads a whole file; empty if it cannot be read.
std::string ReadFile(const std::string& path);

// A unique temporary file path (the file exists, empty) under /tmp.
std::string MakeTempFile(const std::string& prefix);

}  // namespace se::test

#endif  // SE_TEST_HARNESS_COMMAND_H_
