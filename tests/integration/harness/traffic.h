// TCP traffic generators for tests. Functions that create sockets must run inside the target
// namespace (Netns::RunIn); the sockets they return can then be used from any thread.
#ifndef SE_TEST_HARNESS_TRAFFIC_H_
#define SE_TEST_HARNESS_TRAFFIC_H_

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "net/unique_fd.h"  // the exporter's own, used by the tests too

namespace se::test {

class Netns;

inline constexpr char kLoopback4[] = "127.0.0.1";
inline constexpr char kLoopback6[] = "::1";
inline constexpr std::chrono::milliseconds kIoTimeout{5000};

struct Endpoint {
  std::string host;  // numeric IPv4 or IPv6 address
  uint16_t port = 0;
};

struct ConnectOptions {
  int syn_count = 0;        // TCP_SYNCNT when > 0
  int user_timeout_ms = 0;  // TCP_USER_TIMEOUT when > 0
  std::string source;       // local address to bind before connecting, if set
};

struct ConnectResult {
  UniqueFd fd;    // valid only when connected
  int error = 0;  // errno of the failed connect
};

// ep as a socket address; throws std::runtime_error if its host is not numeric.
socklen_t ToSockaddr(const Endpoint& ep, sockaddr_storage* ss);
// Listening TCP socket on ep (port 0 picks one); throws std::runtime_error on failure.
UniqueFd ListenTcp(const Endpoint& ep, int backlog);
// Bound (unconnected) UDP socket on ep; throws std::runtime_error on failure.
UniqueFd BindUdp(const Endpoint& ep);
// Gives a UDP socket a default peer, which makes it a client rather than a listener.
bool ConnectUdp(int fd, const Endpoint& peer);
uint16_t LocalPort(int fd);

// Blocking connect, bounded by timeout.
ConnectResult ConnectTcp(const Endpoint& ep, std::chrono::milliseconds timeout,
                         const ConnectOptions& options = {});
// Starts `count` connects at once and waits for all; returns how many ended with each errno
// (0 = connected; those sockets are closed gracefully afterwards). Connects still pending at the
// timeout count under kStillConnecting and are aborted.
inline constexpr int kStillConnecting = -1;
std::map<int, int> ConnectMany(const Endpoint& ep, int count, const ConnectOptions& options,
                               std::chrono::milliseconds timeout);
// Connects `count` times and keeps the connections open (for gauges); throws if one fails.
std::vector<UniqueFd> OpenConnections(const Endpoint& ep, int count);

bool WriteAll(int fd, const std::string& data);
bool WriteBytes(int fd, size_t n);
// Reads until EOF; returns bytes read, and sets *error to the errno that ended it (0 on EOF).
size_t ReadUntilEof(int fd, std::chrono::milliseconds timeout, int* error);
// Closes with SO_LINGER {1, 0} so the kernel sends RST instead of FIN.
void CloseWithReset(UniqueFd fd);

enum class CloseMode { kGraceful, kReset };

// Serves `connections` connections on its own thread: reads each request to EOF, writes
// response_bytes, then closes gracefully or with RST.
class TcpServer {
 public:
  TcpServer(int listener_fd, int connections, size_t response_bytes, CloseMode mode);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  struct Stats {
    int served = 0;
    size_t bytes_received = 0;
  };
  // Waits for the worker (bounded by the per-connection I/O timeout) and returns what it did.
  Stats Join();

 private:
  void Serve(int listener_fd, int connections, size_t response_bytes, CloseMode mode);

  Stats stats_;  // before worker_: initialised before the worker starts writing it
  std::thread worker_;
};

struct ClientStats {
  int connected = 0;
  std::map<int, int> connect_errors;  // errno → count
  int resets = 0;                     // connections that ended in ECONNRESET
  size_t bytes_received = 0;
};

// Sequentially: connect, write request_bytes, shut down writing, read to EOF, close.
ClientStats RunClients(const Endpoint& ep, int count, size_t request_bytes);

// A connected subnet in which nobody answers: SYNs to silent_host vanish (connect times out),
// and neighbour resolution of unreachable_host fails fast (EHOSTUNREACH).
struct SilentSubnet {
  std::string silent_host;
  std::string unreachable_host;
};
SilentSubnet AddSilentSubnet(const Netns& ns);

}  // namespace se::test

#endif  // SE_TEST_HARNESS_TRAFFIC_H_
