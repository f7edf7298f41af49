// Slow clients against a running exporter: holds N connections from one source address that
// send half a header block and then nothing, and meanwhile times /-/healthy and the scrape from
// 127.0.0.1. Works against any build (it only speaks HTTP), so the figure in docs/http.md
// can be reproduced:
//   slow_clients_bench --port=9976 [--connections=4,50,1000] [--hold=12] [--source=127.0.0.2]
//                      [--path=/metrics]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_meters.h"

namespace {

struct Args {
  uint16_t port = 9976;
  std::vector<int> connections = {4, 50, 1000};
  double hold_s = 12;
  std::string source = "127.0.0.2";
  std::string path = "/metrics";
};

// A non-blocking TCP connect to 127.0.0.1:port from `source` (port 0 = any), or -1.
int StartConnect(const std::string& source, uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  if (!source.empty()) {
    inet_pton(AF_INET, source.c_str(), &sa.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) return close(fd), -1;
  }
  sa.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 && errno != EINPROGRESS)
    return close(fd), -1;
  return fd;
}

// One GET over HTTP/1.0 from 127.0.0.1; seconds until the whole response, or -1 when it failed
// or took longer than timeout_s. *status gets the status code (0 if none).
double TimedGet(uint16_t port, const std::string& path, double timeout_s, int* status) {
  *status = 0;
  const double start = se::bench::Now(), deadline = start + timeout_s;
  const int fd = StartConnect("", port);
  if (fd < 0) return -1;
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  std::string in;
  size_t sent = 0;
  char buf[65536];
  while (se::bench::Now() < deadline) {
    pollfd p{fd, static_cast<short>(sent < req.size() ? POLLOUT : POLLIN), 0};
    const int ms = static_cast<int>((deadline - se::bench::Now()) * 1000) + 1;
    if (poll(&p, 1, ms) <= 0) continue;
    if (sent < req.size()) {
      const ssize_t n = send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
      continue;
    }
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EAGAIN) continue;
    if (n <= 0) {
      close(fd);
      if (n < 0 || in.compare(0, 5, "HTTP/") != 0) return -1;
      *status = std::atoi(in.c_str() + in.find(' ') + 1);
      return *status == 200 ? se::bench::Now() - start : -1;
    }
    in.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return -1;
}

struct Probe {
  int ok = 0, failed = 0;
  std::vector<double> latencies;  // of the successful requests
};

// Repeats TimedGet until `until`, with a pause between requests.
Probe RunProbe(uint16_t port, const std::string& path, double until) {
  Probe p;
  while (se::bench::Now() < until) {
    int status = 0;
    const double t = TimedGet(port, path, std::max(1.0, until - se::bench::Now()), &status);
    if (t >= 0) {
      ++p.ok;
      p.latencies.push_back(t);
    } else {
      ++p.failed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return p;
}

std::string Describe(const std::string& name, Probe p) {
  char line[256];
  if (p.latencies.empty()) {
    std::snprintf(line, sizeof(line), "%-10s ok 0/%d", name.c_str(), p.failed);
    return line;
  }
  std::sort(p.latencies.begin(), p.latencies.end());
  std::snprintf(line, sizeof(line), "%-10s ok %d/%d  p50 %.3f s  max %.3f s", name.c_str(), p.ok,
                p.ok + p.failed, p.latencies[p.latencies.size() / 2], p.latencies.back());
  return line;
}

// Opens n slow connections, each with half a header block sent; returns those that connected.
std::vector<int> OpenSlow(const Args& a, int n) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    const int fd = StartConnect(a.source, a.port);
    if (fd >= 0) fds.push_back(fd);
  }
  const std::string half = "GET " + a.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow";
  std::vector<int> open;
  for (const int fd : fds) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, 2000) == 1 && send(fd, half.data(), half.size(), MSG_NOSIGNAL) > 0) {
      open.push_back(fd);
    } else {
      close(fd);
    }
  }
  return open;
}

void RunOne(const Args& a, int n) {
  const std::vector<int> slow = OpenSlow(a, n);
  const double until = se::bench::Now() + a.hold_s;
  Probe healthy, metrics;
  std::thread t([&] { metrics = RunProbe(a.port, a.path, until); });
  healthy = RunProbe(a.port, "/-/healthy", until);
  t.join();
  int still_open = 0;
  for (const int fd : slow) {
    pollfd p{fd, POLLIN, 0};
    char c;
    if (poll(&p, 1, 0) == 0 || recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0) ++still_open;
    close(fd);
  }
  std::printf("N=%-5d slow connections opened %d, open after %.0f s: %d\n  %s\n  %s\n", n,
              static_cast<int>(slow.size()), a.hold_s, still_open,
              Describe("/-/healthy", healthy).c_str(), Describe(a.path, metrics).c_str());
  std::fflush(stdout);
}

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    const auto eq = s.find('=');
    const std::string k = s.substr(0, eq), v = eq == std::string::npos ? "" : s.substr(eq + 1);
    if (k == "--port") {
      a->port = static_cast<uint16_t>(std::stoi(v));
    } else if (k == "--hold") {
      a->hold_s = std::stod(v);
    } else if (k == "--source") {
      a->source = v;
    } else if (k == "--path") {
      a->path = v;
    } else if (k == "--connections") {
      a->connections.clear();
      for (size_t at = 0; at < v.size();) {
        const size_t comma = std::min(v.find(',', at), v.size());
        a->connections.push_back(std::stoi(v.substr(at, comma - at)));
        at = comma + 1;
      }
    } else {
      std::fprintf(stderr, "unknown argument %s; see the comment at the top of the source\n",
                   s.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, &a)) return 2;
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;  // a thousand clients need more descriptors than the usual 1024
  setrlimit(RLIMIT_NOFILE, &r);
  std::printf(
      "%s\nslow clients from %s hold half a header block for %.0f s; probes from "
      "127.0.0.1 every 200 ms\n",
      se::bench::MachineLine().c_str(), a.source.c_str(), a.hold_s);
  for (const int n : a.connections) {
    RunOne(a, n);
    std::this_thread::sleep_for(std::chrono::seconds(2));  // let the server drop what is left
  }
  return 0;
}
