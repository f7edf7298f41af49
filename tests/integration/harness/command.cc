#include "harness/command.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace se::test {
namespace {

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return kTimedOut;
}

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void ExecChild(char* const* argv, int devnull, const SpawnOptions& options,
                            int netns_fd, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  dup2(options.stdin_fd >= 0 ? options.stdin_fd : devnull, STDIN_FILENO);
  dup2(options.stdout_fd >= 0 ? options.stdout_fd : devnull, STDOUT_FILENO);
  dup2(options.stderr_fd >= 0 ? options.stderr_fd : devnull, STDERR_FILENO);
  if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) != 0) _exit(126);
  // Test sockets must not leak into the child, or it would co-own the test's listeners.
  syscall(SYS_close_range, 3U, ~0U, 0U);
  execvp(argv[0], argv);
  _exit(127);
}

}  // namespace

pid_t Spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) return -1;
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  int netns_fd = -1;
  if (!options.netns_path.empty()) {
    netns_fd = open(options.netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (netns_fd < 0) return -1;
  }
  const int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) ExecChild(cargv.data(), devnull, options, netns_fd, parent);
  if (devnull >= 0) close(devnull);
  if (netns_fd >= 0) close(netns_fd);
  return pid;
}

int WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return DecodeStatus(status);
    if (r < 0) return kTimedOut;
    if (std::chrono::steady_clock::now() >= deadline) return kTimedOut;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::string& input) {
  CommandResult result;
  const std::string in_path = MakeTempFile("se-cmd-in");
  const std::string out_path = MakeTempFile("se-cmd-out");
  const std::string err_path = MakeTempFile("se-cmd-err");
  std::ofstream(in_path, std::ios::binary) << input;
  const int in_fd = open(in_path.c_str(), O_RDONLY | O_CLOEXEC);
  const int out_fd = open(out_path.c_str(), O_WRONLY | O_CLOEXEC);
  const int err_fd = open(err_path.c_str(), O_WRONLY | O_CLOEXEC);
  const pid_t pid = Spawn(argv, {out_fd, err_fd, "", in_fd});
  for (const int fd : {in_fd, out_fd, err_fd}) {
    if (fd >= 0) close(fd);
  }
  if (pid > 0) {
    result.exit_code = WaitForExit(pid, timeout);
    if (result.timed_out()) {
      kill(pid, SIGKILL);
      WaitForExit(pid, std::chrono::seconds(5));
    }
  }
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  for (const auto& path : {in_path, out_path, err_path}) unlink(path.c_str());
  return result;
}

bool InPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string ProcessComm(pid_t pid) {
  std::string comm = ReadFile("/proc/" + std::to_string(pid) + "/comm");
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string MakeTempFile(const std::string& prefix) {
  std::string path = "/tmp/" + prefix + "-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) return "";
  close(fd);
  return path;
}

}  // namespace se::test
