// Loopback TCP connect -> accept -> close storm in the current network namespace.
//
// --server=thread (default): one server thread accepts on 127.0.0.1:PORT and
// closes each accepted socket at once; K client threads connect, wait for the
// server's FIN, then close. Each cycle hands off between threads twice, so the
// rate also depends on how fast an idle CPU wakes up.
// --server=inline: each of K threads owns a listener (PORT+i) and runs the
// whole cycle itself: connect, accept, close the accepted socket, read the FIN,
// close. Loopback delivers segments in the sender's softirq, so no step sleeps
// and the rate measures CPU cost per connection only.
//
// Either way the server side closes first, so TIME_WAIT lands on the server's
// 4-tuples and client ephemeral ports are released as soon as LAST_ACK ends.
//
// Output, one line on stdout: connections=N seconds=S cps=X
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  uint64_t connections = 20000;
  double max_seconds = 30;
  unsigned threads = 1;
  uint16_t port = 0;  // 0: the kernel picks one
  bool inline_server = false;
};

struct Shared {
  std::atomic<uint64_t> next{0};       // connection tickets handed out
  std::atomic<uint64_t> completed{0};  // full connect/accept/close cycles
  std::atomic<uint64_t> errors{0};
  std::atomic<bool> stop{false};
  Clock::time_point deadline;
};

constexpr int kIoTimeoutSeconds = 5;  // bounds every blocking call of a client
constexpr int kPollMillis = 100;      // how often the server rechecks `stop`

void Usage(const char* argv0) {
  std::fprintf(
      stderr,
      "usage: %s [--connections=N] [--max-seconds=S] [--threads=K] [--port=P]\n"
      "          [--server=thread|inline]\n"
      "  --connections  connections to complete (default 20000)\n"
      "  --max-seconds  stop after this many seconds even if N is not reached (default 30)\n"
      "  --threads      client threads (default 1)\n"
      "  --port         listening port on 127.0.0.1 (default 0: any free port)\n"
      "  --server       thread: a server thread accepts (default); inline: every\n"
      "                 client thread accepts its own connections on its own port (P+i)\n",
      argv0);
}

bool ParseNumber(const std::string& value, double min, double max, double* out) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(value.c_str(), &end);
  if (errno != 0 || end == value.c_str() || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    const std::string key = arg.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    double v = 0;
    if (key == "--connections" && ParseNumber(value, 1, 1e9, &v)) {
      o->connections = static_cast<uint64_t>(v);
    } else if (key == "--max-seconds" && ParseNumber(value, 0.001, 3600, &v)) {
      o->max_seconds = v;
    } else if (key == "--threads" && ParseNumber(value, 1, 64, &v)) {
      o->threads = static_cast<unsigned>(v);
    } else if (key == "--port" && ParseNumber(value, 0, 65535, &v)) {
      o->port = static_cast<uint16_t>(v);
    } else if (key == "--server" && (value == "thread" || value == "inline")) {
      o->inline_server = value == "inline";
    } else {
      std::fprintf(stderr, "bad argument: %s\n", arg.c_str());
      return false;
    }
  }
  return true;
}

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Returns the listening socket and stores its port, or -1.
int Listen(uint16_t port, uint16_t* bound_port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = Loopback(port);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 4096) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  *bound_port = ntohs(addr.sin_port);
  return fd;
}

// Accepts and closes at once until told to stop.
void Serve(int listen_fd, Shared* s) {
  pollfd pfd{listen_fd, POLLIN, 0};
  while (!s->stop.load(std::memory_order_relaxed)) {
    const int ready = poll(&pfd, 1, kPollMillis);
    if (ready <= 0) continue;
    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) close(fd);
  }
}

void SetTimeouts(int fd) {
  timeval tv{kIoTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));  // bounds read() and accept()
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));  // bounds connect()
}

struct Endpoint {
  int listen_fd = -1;
  sockaddr_in addr{};
};

// Returns a connected client socket, or -1 with errno set.
int Connect(const sockaddr_in& server) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  SetTimeouts(fd);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof(server)) != 0) {
    const int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

// Waits for the peer's FIN; 0, or the errno (EPROTO: data instead of FIN).
int ReadFin(int fd) {
  char byte;
  const ssize_t n = read(fd, &byte, 1);
  return n == 0 ? 0 : n < 0 ? errno : EPROTO;
}

// --server=thread: the server thread accepts and closes.
int ThreadedCycle(const Endpoint& server) {
  const int fd = Connect(server.addr);
  if (fd < 0) return errno;
  const int err = ReadFin(fd);
  close(fd);
  return err;
}

// --server=inline: this thread accepts and closes its own connection.
int InlineCycle(const Endpoint& server) {
  const int fd = Connect(server.addr);
  if (fd < 0) return errno;
  int err = 0;
  const int accepted = accept4(server.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (accepted < 0) {
    err = errno;
  } else {
    close(accepted);
    err = ReadFin(fd);
  }
  close(fd);
  return err;
}

void Client(const Options& o, Endpoint server, Shared* s) {
  constexpr uint64_t kDeadlineCheckEvery = 64;
  for (uint64_t i = 0;; ++i) {
    if (s->stop.load(std::memory_order_relaxed)) return;
    if (i % kDeadlineCheckEvery == 0 && Clock::now() >= s->deadline) return;
    if (s->next.fetch_add(1, std::memory_order_relaxed) >= o.connections) return;
    const int err = o.inline_server ? InlineCycle(server) : ThreadedCycle(server);
    if (err == 0) {
      s->completed.fetch_add(1, std::memory_order_relaxed);
    } else if (s->errors.fetch_add(1, std::memory_order_relaxed) == 0) {
      std::fprintf(stderr, "connection failed: %s\n", std::strerror(err));
    }
  }
}

// Thread mode: one listener shared by all clients; inline mode: one per client.
bool OpenListeners(const Options& o, std::vector<Endpoint>* out) {
  const unsigned count = o.inline_server ? o.threads : 1;
  for (unsigned i = 0; i < count; ++i) {
    const unsigned want = o.port == 0 ? 0 : o.port + i;
    uint16_t bound = 0;
    Endpoint ep;
    ep.listen_fd = want > 65535 ? -1 : Listen(static_cast<uint16_t>(want), &bound);
    if (ep.listen_fd < 0) {
      std::fprintf(stderr, "listen on 127.0.0.1:%u: %s\n", want, std::strerror(errno));
      return false;
    }
    SetTimeouts(ep.listen_fd);
    ep.addr = Loopback(bound);
    out->push_back(ep);
  }
  return true;
}

void CloseListeners(const std::vector<Endpoint>& endpoints) {
  for (const auto& ep : endpoints) close(ep.listen_fd);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) {
    Usage(argv[0]);
    return 2;
  }
  std::vector<Endpoint> endpoints;
  if (!OpenListeners(o, &endpoints)) {
    CloseListeners(endpoints);
    return 1;
  }
  Shared shared;
  std::thread server_thread;
  if (!o.inline_server) server_thread = std::thread(Serve, endpoints[0].listen_fd, &shared);

  const auto start = Clock::now();
  shared.deadline = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(o.max_seconds));
  std::vector<std::thread> clients;
  for (unsigned i = 0; i < o.threads; ++i) {
    clients.emplace_back(Client, std::cref(o), endpoints[i % endpoints.size()], &shared);
  }
  for (auto& t : clients) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  shared.stop = true;
  if (server_thread.joinable()) server_thread.join();
  CloseListeners(endpoints);

  const uint64_t done = shared.completed.load();
  const uint64_t errors = shared.errors.load();
  std::printf("connections=%llu seconds=%.3f cps=%.0f\n", static_cast<unsigned long long>(done),
              seconds, seconds > 0 ? static_cast<double>(done) / seconds : 0.0);
  if (errors > 0) std::fprintf(stderr, "errors=%llu\n", static_cast<unsigned long long>(errors));
  return errors == 0 && done > 0 ? 0 : 1;
}
