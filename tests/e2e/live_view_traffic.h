// Traffic for the live page's end-to-end test, between the exporter's namespace (server) and a
// client namespace joined by a veth link: connections, failures and a port scan for the TCP
// table (SteadyTraffic); a UDP echo and a TCP connection whose data segments the client's end of
// the link drops (QualityTraffic) for the UDP table and the retransmission columns.
#ifndef SE_TEST_E2E_LIVE_VIEW_TRAFFIC_H_
#define SE_TEST_E2E_LIVE_VIEW_TRAFFIC_H_

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/link_shaping.h"
#include "harness/netns.h"
#include "harness/traffic.h"
#include "harness/udp_traffic.h"

namespace se::test {

// The ports of SteadyTraffic.
struct SteadyPorts {
  uint16_t listener = 0;          // in the server namespace, for the client's connections
  uint16_t closed = 0;            // nothing listens here
  std::vector<uint16_t> scanned;  // closed ports of the server the client scans
};

// Until Stop() or max_duration: the client namespace connects to the server's listener port back
// to back with a short pause (each connection accepted, read to EOF and closed), so the listener
// always has a non-zero accept rate; the server namespace connects to the closed port on
// loopback a few times a second, so the page has failures and resets to show in amber; and the
// client scans closed ports, so there is a finding and a scan source. No data segments: the
// only ones on the link are QualityTraffic's.
class SteadyTraffic {
 public:
  SteadyTraffic(const Netns& server, const Netns& client, const SteadyPorts& ports,
                std::chrono::seconds max_duration) {
    server.RunIn([&] { listener_ = ListenTcp({VethLink::kServer4, ports.listener}, 128); });
    const auto deadline = Clock::now() + max_duration;
    threads_.emplace_back([this, deadline] { Serve(deadline); });
    threads_.emplace_back([this, &client, ports, deadline] {
      ConnectLoop(client, VethLink::kServer4, {ports.listener}, milliseconds(20), deadline);
    });
    threads_.emplace_back([this, &server, ports, deadline] {
      ConnectLoop(server, kLoopback4, {ports.closed}, milliseconds(250), deadline);
    });
    threads_.emplace_back([this, &client, ports, deadline] {
      ConnectLoop(client, VethLink::kServer4, ports.scanned, milliseconds(100), deadline);
    });
  }
  ~SteadyTraffic() { Stop(); }
  SteadyTraffic(const SteadyTraffic&) = delete;
  SteadyTraffic& operator=(const SteadyTraffic&) = delete;

  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  int served() const { return served_; }

 private:
  using Clock = std::chrono::steady_clock;
  using milliseconds = std::chrono::milliseconds;
  using seconds = std::chrono::seconds;

  void Serve(Clock::time_point deadline) {
    while (!stop_ && Clock::now() < deadline) {
      pollfd p{listener_.get(), POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      UniqueFd conn(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!conn.valid()) continue;
      int error = 0;
      ReadUntilEof(conn.get(), seconds(2), &error);
      ++served_;
    }
  }

  // Connects to each of `ports` in turn, round and round. Runs on a thread of its own, from which
  // Netns::RunIn enters the namespace.
  void ConnectLoop(const Netns& ns, const std::string& host, const std::vector<uint16_t>& ports,
                   milliseconds pause, Clock::time_point deadline) {
    try {
      ns.RunIn([&] {
        for (size_t i = 0; !stop_ && Clock::now() < deadline; ++i) {
          ConnectResult r = ConnectTcp({host, ports[i % ports.size()]}, seconds(1));
          if (r.fd.valid()) {
            shutdown(r.fd.get(), SHUT_WR);
            int error = 0;
            ReadUntilEof(r.fd.get(), seconds(2), &error);
          }
          std::this_thread::sleep_for(pause);
        }
      });
    } catch (const std::exception&) {
      // No connections then: the test's rate checks fail and say so.
    }
  }

  UniqueFd listener_;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  std::vector<std::thread> threads_;
};

// Until Stop() or max_duration: the client sends a datagram of kEchoBytes to the server's
// echo_port every kEchoPause and the server echoes it, so both UDP rates stay above zero; the
// server writes kLossyBytes to a client connected to its lossy_port every kLossyPause, each
// write one data segment, of which the link drops every 8th, 12 at most
// (drop_data_segments.bpf.c): a retransmission about every 1.6 s for the first 19 s.
class QualityTraffic {
 public:
  static constexpr size_t kEchoBytes = 100;
  static constexpr size_t kLossyBytes = 100;
  static constexpr std::chrono::milliseconds kEchoPause{20};
  static constexpr std::chrono::milliseconds kLossyPause{200};

  // Throws if a socket or the dropping TC program cannot be set up.
  QualityTraffic(const Netns& server, const Netns& client, uint16_t echo_port, uint16_t lossy_port,
                 std::chrono::seconds max_duration) {
    const Endpoint echo{VethLink::kServer4, echo_port};
    const Endpoint lossy{VethLink::kServer4, lossy_port};
    server.RunIn([&] {
      echo_server_ = BindUdp(echo);
      listener_ = ListenTcp(lossy, 4);  // kept: the connection counts as inbound
    });
    client.RunIn([&] {
      echo_client_ = BindUdp({VethLink::kClient4, 0});
      lossy_client_ = ConnectTcp(lossy, kIoTimeout).fd;
    });
    pollfd p{listener_.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(kIoTimeout.count())) == 1)
      lossy_server_ = UniqueFd(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!lossy_client_ || !lossy_server_) throw std::runtime_error("lossy connection failed");
    const int one = 1;  // every write a segment of its own
    setsockopt(lossy_server_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    DropDataSegments(client);
    const auto deadline = Clock::now() + max_duration;
    threads_.emplace_back([this, deadline] { Echo(deadline); });
    threads_.emplace_back([this, echo, deadline] { SendEchoRequests(echo, deadline); });
    threads_.emplace_back([this, deadline] { WriteLossy(deadline); });
    threads_.emplace_back([this, deadline] { ReadLossy(deadline); });
  }
  ~QualityTraffic() { Stop(); }
  QualityTraffic(const QualityTraffic&) = delete;
  QualityTraffic& operator=(const QualityTraffic&) = delete;

  // Stops every thread and closes the connection.
  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
    lossy_client_.reset();
    lossy_server_.reset();
    listener_.reset();
  }

 private:
  using Clock = std::chrono::steady_clock;

  bool Running(Clock::time_point deadline) const { return !stop_ && Clock::now() < deadline; }

  void Echo(Clock::time_point deadline) {
    char buf[2048];
    while (Running(deadline)) {
      pollfd p{echo_server_.get(), POLLIN, 0};
      if (poll(&p, 1, 100) != 1) continue;
      sockaddr_storage from{};
      socklen_t len = sizeof(from);
      const ssize_t n = recvfrom(echo_server_.get(), buf, sizeof(buf), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &len);
      if (n > 0) sendto(echo_server_.get(), buf, n, 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }

  // Reads the echoes back (nothing waits for them), so the client's queue stays empty.
  void SendEchoRequests(const Endpoint& echo, Clock::time_point deadline) {
    while (Running(deadline)) {
      SendDatagrams(echo_client_.get(), echo, 1, kEchoBytes);
      std::this_thread::sleep_for(kEchoPause);
      ReceiveDatagrams(echo_client_.get(), 2, std::chrono::milliseconds(0));
    }
  }

  void WriteLossy(Clock::time_point deadline) {
    const std::string segment(kLossyBytes, 'r');
    while (Running(deadline) && WriteAll(lossy_server_.get(), segment))
      std::this_thread::sleep_for(kLossyPause);
  }

  void ReadLossy(Clock::time_point deadline) {
    char buf[4096];
    while (Running(deadline)) {
      pollfd p{lossy_client_.get(), POLLIN, 0};
      if (poll(&p, 1, 100) != 1) continue;
      const ssize_t n = recv(lossy_client_.get(), buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN)) return;  // closed or failed
    }
  }

  UniqueFd echo_server_, echo_client_, listener_, lossy_server_, lossy_client_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace se::test

#endif  // SE_TEST_E2E_LIVE_VIEW_TRAFFIC_H_
