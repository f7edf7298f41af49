#include "bench_netns.h"

#include <arpa/inet.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "bench_meters.h"

namespace se::bench {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

uint32_t EnterPrivateNetns() {
  if (unshare(CLONE_NEWNET) != 0) throw MeterError(Errno("unshare(CLONE_NEWNET) (run as root)"));
  if (std::system("ip link set lo up") != 0) throw MeterError("ip link set lo up failed");
  struct stat st;
  if (stat("/proc/self/ns/net", &st) != 0) throw MeterError(Errno("stat /proc/self/ns/net"));
  return static_cast<uint32_t>(st.st_ino);
}

void WriteFile(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  if (!out) throw MeterError(Errno("cannot write " + path));
}

}  // namespace se::bench
