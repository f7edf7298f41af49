#include "harness/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>

#include "harness/command.h"

namespace se::test {
namespace {

std::atomic<int> g_netns_counter{0};

void RunOrThrow(const std::vector<std::string>& argv) {
  const CommandResult r = RunCommand(argv);
  if (r.exit_code == 0) return;
  std::string cmd;
  for (const auto& a : argv) cmd += a + " ";
  throw std::runtime_error(cmd + "failed (" + std::to_string(r.exit_code) + "): " + r.err);
}

}  // namespace

Netns::Netns(const std::string& tag)
    : name_("se-" + tag + "-" + std::to_string(getpid()) + "-" +
            std::to_string(g_netns_counter.fetch_add(1))) {
  RunOrThrow({"ip", "netns", "add", name_});
  try {
    Ip({"link", "set", "lo", "up"});
  } catch (...) {
    RunCommand({"ip", "netns", "delete", name_});
    throw;
  }
}

Netns::~Netns() { RunCommand({"ip", "netns", "delete", name_}); }

uint64_t Netns::Inode() const {
  struct stat st {};
  if (stat(Path().c_str(), &st) != 0) return 0;
  return st.st_ino;
}

void Netns::RunIn(const std::function<void()>& fn) const {
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      const int fd = open(Path().c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error("open " + Path() + ": " + std::strerror(errno));
      const int rc = setns(fd, CLONE_NEWNET);
      const int setns_errno = errno;
      close(fd);
      if (rc != 0) throw std::runtime_error("setns " + Path() + ": " + std::strerror(setns_errno));
      fn();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

void Netns::Ip(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"ip", "-n", name_};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOrThrow(argv);
}

void Netns::Sysctl(const std::string& key, const std::string& value) const {
  RunOrThrow({"ip", "netns", "exec", name_, "sysctl", "-qw", key + "=" + value});
}

}  // namespace se::test
