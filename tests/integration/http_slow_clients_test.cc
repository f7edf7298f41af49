// Slow and idle clients cannot starve the HTTP server: a thousand connections from one address
// (127.0.0.2) that stall, announce bodies they never send or never read, while a scraper on
// 127.0.0.1 is served at once; and the limits (idle timeout, header size, per-client
// connections) close what they should.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness/exporter_process.h"
#include "harness/http_client.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kAttacker[] = "127.0.0.2";

class HttpSlowClientsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rlimit r{};
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = r.rlim_max;  // a thousand client sockets in this process
    setrlimit(RLIMIT_NOFILE, &r);
  }
};

UniqueFd ConnectFrom(const std::string& source, uint16_t port) {
  ConnectOptions options;
  options.source = source;
  return ConnectTcp(Endpoint{kLoopback4, port}, seconds(2), options).fd;
}

// True once the peer has closed (EOF or reset) within `timeout`; data before it is discarded.
bool ClosedWithin(int fd, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  char buf[4096];
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) continue;
    const ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
  }
  return false;
}

// Still open: nothing to read and no EOF right now.
bool StillOpen(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, 0) == 0) return true;
  char c;
  return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

// One attacking connection of each kind in turn (i % 5).
std::string AttackBytes(int i) {
  switch (i % 5) {
    case 0:
      return "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";  // half a header block
    case 1:
      return "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n";
    case 2:
      return "GET /metrics HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
             "Content-Length: 1000\r\n\r\n";
    case 3:
      return "GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    default: {
      std::string many;  // pipelined, never read: the server's replies back up
      for (int k = 0; k < 20; ++k) many += "GET /assets/chart.min.js HTTP/1.1\r\nHost: x\r\n\r\n";
      return many;
    }
  }
}

struct Timing {
  int status = 0;
  milliseconds took{0};
};

Timing TimedGet(uint16_t port, const std::string& path) {
  const auto start = Clock::now();
  const HttpResponse r = Scrape(port, path, kLoopback4, seconds(5));
  return {r.status, std::chrono::duration_cast<milliseconds>(Clock::now() - start)};
}

// Sanitized builds run the server several times slower; a blocked server takes seconds (the
// idle timeout) whatever the build, so the scaled bounds still tell the two apart.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kSlowdown = 5;
#else
constexpr int kSlowdown = 1;
#endif

// 20 health checks under 100 ms and 20 scrapes under 1 s, each with status 200. A first,
// untimed check waits until the server has taken in the connections opened just before.
void ExpectServedPromptly(uint16_t port) {
  ASSERT_EQ(TimedGet(port, "/-/healthy").status, 200) << "first health check";
  for (int i = 0; i < 20; ++i) {
    const Timing h = TimedGet(port, "/-/healthy");
    EXPECT_EQ(h.status, 200) << "health check " << i;
    EXPECT_LT(h.took.count(), 100 * kSlowdown) << "health check " << i;
    const Timing m = TimedGet(port, "/metrics");
    EXPECT_EQ(m.status, 200) << "scrape " << i;
    EXPECT_LT(m.took.count(), 1000 * kSlowdown) << "scrape " << i;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

TEST_F(HttpSlowClientsTest, ThousandSlowConnectionsFromOneClientDoNotDelayOthers) {
  // The per-client limit is raised so that all thousand stay: the event loop alone must cope.
  ExporterProcess exporter({"--web.max-connections-per-client=1024", "--web.idle-timeout=60"});
  ASSERT_TRUE(exporter.Start());
  std::vector<UniqueFd> attack;
  for (int i = 0; i < 1000; ++i) {
    UniqueFd fd = ConnectFrom(kAttacker, exporter.port());
    ASSERT_TRUE(fd.valid()) << "connection " << i;
    if (i % 5 == 4) {
      const int small = 4096;  // so the pipelined replies fill the window at once
      setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    }
    ASSERT_TRUE(WriteAll(fd.get(), AttackBytes(i))) << "connection " << i;
    attack.push_back(std::move(fd));
  }
  // Announced bodies are refused from the headers alone; once all 600 are, the server has
  // taken in every connection and the rest are being held.
  int bodies_closed = 0;
  for (int i = 0; i < 1000; ++i) {
    if (i % 5 >= 1 && i % 5 <= 3) bodies_closed += ClosedWithin(attack[i].get(), seconds(5));
  }
  EXPECT_EQ(bodies_closed, 600);
  ExpectServedPromptly(exporter.port());
  int stalled_open = 0, readers_open = 0;
  for (int i = 0; i < 1000; i += 5) {
    stalled_open += StillOpen(attack[i].get());
    readers_open += StillOpen(attack[i + 4].get());
  }
  EXPECT_EQ(stalled_open, 200);
  EXPECT_EQ(readers_open, 200);
  EXPECT_TRUE(exporter.Running());
}

TEST_F(HttpSlowClientsTest, ThousandIdleConnectionsFromTheScrapersOwnAddressDoNotBlockIt) {
  ExporterProcess exporter({"--web.max-connections=2000", "--web.max-connections-per-client=2000",
                            "--web.idle-timeout=60"});
  ASSERT_TRUE(exporter.Start());
  std::vector<UniqueFd> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(ConnectFrom(kLoopback4, exporter.port()));
    ASSERT_TRUE(idle.back().valid()) << "connection " << i;
  }
  ExpectServedPromptly(exporter.port());
  int open = 0;
  for (const auto& fd : idle) open += StillOpen(fd.get());
  EXPECT_EQ(open, 1000);
}

TEST_F(HttpSlowClientsTest, PartialHeaderAndIdleKeepAliveAreClosedAfterTheIdleTimeout) {
  ExporterProcess exporter({"--web.idle-timeout=2"});
  ASSERT_TRUE(exporter.Start());
  UniqueFd partial = ConnectFrom(kAttacker, exporter.port());
  ASSERT_TRUE(partial.valid());
  ASSERT_TRUE(WriteAll(partial.get(), "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  UniqueFd kept = ConnectFrom(kAttacker, exporter.port());
  ASSERT_TRUE(kept.valid());
  ASSERT_TRUE(WriteAll(kept.get(), "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto start = Clock::now();
  EXPECT_FALSE(ClosedWithin(partial.get(), milliseconds(1500)));
  EXPECT_TRUE(ClosedWithin(partial.get(), milliseconds(2000)));
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  EXPECT_GE(took.count(), 1500);
  EXPECT_LE(took.count(), 3500);
  EXPECT_TRUE(ClosedWithin(kept.get(), milliseconds(1000)));  // after its reply, also idle
}

TEST_F(HttpSlowClientsTest, OversizedRequestGetsAnErrorAndIsClosed) {
  ExporterProcess exporter({});
  ASSERT_TRUE(exporter.Start());
  const std::string big_header(40000, 'a');
  RawReply r = RawExchange(exporter.port(),
                           "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + big_header + "\r\n\r\n",
                           seconds(3));
  EXPECT_EQ(r.data.substr(0, 12), "HTTP/1.1 431") << r.data.substr(0, 200);
  EXPECT_TRUE(r.closed);
  const std::string long_uri = "/" + std::string(40000, 'b');
  r = RawExchange(exporter.port(), "GET " + long_uri + " HTTP/1.1\r\nHost: x\r\n\r\n", seconds(3));
  EXPECT_EQ(r.data.substr(0, 12), "HTTP/1.1 414") << r.data.substr(0, 200);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(exporter.Get("/-/healthy").status, 200);
}

TEST_F(HttpSlowClientsTest, ConnectionsBeyondThePerClientLimitAreClosedOthersServed) {
  ExporterProcess exporter({"--web.idle-timeout=30"});  // default: 64 per client address
  ASSERT_TRUE(exporter.Start());
  std::vector<UniqueFd> conns;
  for (int i = 0; i < 100; ++i) {
    conns.push_back(ConnectFrom(kAttacker, exporter.port()));
    ASSERT_TRUE(conns.back().valid()) << "connection " << i;
  }
  std::this_thread::sleep_for(milliseconds(300));  // the server accepts and sorts them
  int closed = 0;
  for (const auto& fd : conns) closed += ClosedWithin(fd.get(), milliseconds(10));
  EXPECT_EQ(closed, 36);
  ExpectServedPromptly(exporter.port());
}

}  // namespace
}  // namespace se::test
