// Overhead of the tcp_events programs on a loopback connect/accept/close storm, measured by
// alternating detached (A) and attached (B) storms every fraction of a second in one process,
// so slow drift of a shared machine hits both arms alike. Runs in a network namespace of its
// own (unshare), with the real BPF programs scoped to it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench_meters.h"
#include "logging/log.h"
#include "probes/tcp_events_probe.h"

namespace {

struct Args {
  int pairs = 40;
  int connections = 8000;
  uint32_t conn_table_bits = SE_CONN_TABLE_BITS;
  uint16_t port = 8080;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "overhead_bench: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

void WriteFile(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  if (!out) Die("cannot write " + path);
}

// A private namespace with lo up and no TIME_WAIT table, so storms never run out of ports.
uint32_t EnterPrivateNetns() {
  if (unshare(CLONE_NEWNET) != 0) Die("unshare(CLONE_NEWNET) (run as root)");
  if (std::system("ip link set lo up") != 0) Die("ip link set lo up");
  WriteFile("/proc/sys/net/ipv4/tcp_max_tw_buckets", "0");
  struct stat st;
  if (stat("/proc/self/ns/net", &st) != 0) Die("stat /proc/self/ns/net");
  return static_cast<uint32_t>(st.st_ino);
}

int Listen(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 1024) != 0)
    Die("listen");
  return fd;
}

// One thread connects, accepts its own connection and closes both (server first).
double StormCps(int listener, uint16_t port, int n) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    const int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(c, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) Die("connect");
    const int s = accept(listener, nullptr, nullptr);
    if (s < 0) Die("accept");
    close(s);
    close(c);
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  return n / took.count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&](const char* flag) { return s.substr(std::strlen(flag)); };
    if (s.rfind("--pairs=", 0) == 0)
      a.pairs = std::max(10, std::atoi(value("--pairs=").c_str()));
    else if (s.rfind("--connections=", 0) == 0)
      a.connections = std::max(100, std::atoi(value("--connections=").c_str()));
    else if (s.rfind("--conn-table-bits=", 0) == 0)
      a.conn_table_bits =
          std::clamp(std::atoi(value("--conn-table-bits=").c_str()), 1, SE_CONN_TABLE_MAX_BITS);
    else {
      std::fprintf(stderr,
                   "usage: overhead_bench [--pairs=N>=10] [--connections=N] "
                   "[--conn-table-bits=1..%d]\n",
                   SE_CONN_TABLE_MAX_BITS);
      std::exit(2);
    }
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  se::log::Setup(se::LogFormat::kLogfmt, "error");
  se::TcpEventsConfig config;
  config.netns_ino = EnterPrivateNetns();
  config.max_slots = 129;
  config.conn_table_bits = args.conn_table_bits;
  std::string error;
  auto probe = se::TcpEventsProbe::Open(config, &error);
  if (!probe) {
    std::fprintf(stderr, "overhead_bench: %s\n", error.c_str());
    return 1;
  }
  const int listener = Listen(args.port);
  StormCps(listener, args.port, args.connections / 4);  // warm up
  std::vector<double> a_cps, b_cps, ratios;
  std::printf("%s\npair order  A_cps     B_cps     B/A\n", se::bench::MachineLine().c_str());
  for (int p = 0; p < args.pairs; ++p) {
    const bool a_first = p % 2 == 0;  // alternate the order to cancel drift within a pair
    double a = 0, b = 0;
    for (int arm = 0; arm < 2; ++arm) {
      const bool attached = (arm == 0) != a_first;
      if (attached && !probe->Attach(true, se::DefaultAttach(), &error)) {
        std::fprintf(stderr, "overhead_bench: %s\n", error.c_str());
        return 1;
      }
      (attached ? b : a) = StormCps(listener, args.port, args.connections);
      if (attached) probe->Detach();
    }
    a_cps.push_back(a);
    b_cps.push_back(b);
    ratios.push_back(b / a);
    std::printf("%-4d %-6s %-9.0f %-9.0f %.3f\n", p + 1, a_first ? "AB" : "BA", a, b, b / a);
  }
  std::vector<double> sorted = ratios;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  std::printf("\nmedian A cps %.0f, median B cps %.0f\n", Median(a_cps), Median(b_cps));
  std::printf("median of per-pair B/A: %.4f (interquartile %.4f .. %.4f, %zu pairs)\n",
              Median(ratios), sorted[n / 4], sorted[(3 * n) / 4], n);
  std::printf("%s\n", se::bench::MachineLine().c_str());
  return 0;
}
