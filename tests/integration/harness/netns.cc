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

void LinkByVeth(const Netns& server, const Netns& client) {
  RunOrThrow({"ip", "link", "add", "se0", "netns", server.Name(), "type", "veth", "peer", "name",
              "se0", "netns", client.Name()});
  const struct {
    const Netns& ns;
    const char* v4;
    const char* v6;
  } ends[] = {{server, VethLink::kServer4, VethLink::kServer6},
              {client, VethLink::kClient4, VethLink::kClient6}};
  for (const auto& end : ends) {
    // Link-local addresses usable at once: neighbour solicitations for packets with spoofed
    // (non-local) sources go out from the link-local address.
    end.ns.Sysctl("net.ipv6.conf.se0.accept_dad", "0");
    end.ns.Ip({"addr", "add", std::string(end.v4) + "/24", "dev", "se0"});
    end.ns.Ip({"addr", "add", std::string(end.v6) + "/64", "dev", "se0", "nodad"});
    end.ns.Ip({"link", "set", "se0", "up"});
  }
  client.Sysctl("net.ipv4.ip_forward", "0");
  client.Sysctl("net.ipv6.conf.all.forwarding", "0");
  server.Ip({"route", "add", "default", "via", VethLink::kClient4});
  server.Ip({"-6", "route", "add", "default", "via", VethLink::kClient6});
}

}  // namespace se::test
