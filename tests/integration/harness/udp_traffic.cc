#include "harness/udp_traffic.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <regex>
#include <stdexcept>
#include <string>

#include "harness/command.h"

namespace se::test {

int SendDatagrams(int fd, const Endpoint& peer, int count, size_t size) {
  const std::string payload(size, 'u');
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (peer.port != 0) len = ToSockaddr(peer, &ss);
  int sent = 0;
  for (int i = 0; i < count; ++i) {
    const ssize_t n = len ? sendto(fd, payload.data(), size, 0, reinterpret_cast<sockaddr*>(&ss), len)
                          : send(fd, payload.data(), size, 0);
    if (n == static_cast<ssize_t>(size)) ++sent;
  }
  return sent;
}

int ReceiveDatagrams(int fd, int count, std::chrono::milliseconds timeout) {
  char buf[65536];
  int got = 0;
  while (got < count) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) break;
    if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0) ++got;
  }
  return got;
}

void SetReceiveBuffer(int fd, int bytes) {
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) != 0)
    throw std::runtime_error(std::string("SO_RCVBUF: ") + std::strerror(errno));
}

void SendBadChecksums(const Endpoint& to, uint16_t sport, int count) {
  sockaddr_storage ss{};
  const socklen_t len = ToSockaddr({to.host, 0}, &ss);
  UniqueFd raw(socket(ss.ss_family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!raw) throw std::runtime_error(std::string("raw UDP socket: ") + std::strerror(errno));
  struct {
    udphdr h;
    char payload[4];
  } d{};
  d.h.source = htons(sport);
  d.h.dest = htons(to.port);
  d.h.len = htons(sizeof(d));
  d.h.check = htons(0x1234);  // never the right sum of this header and payload
  std::memcpy(d.payload, "csum", 4);
  for (int i = 0; i < count; ++i) {
    if (sendto(raw.get(), &d, sizeof(d), 0, reinterpret_cast<sockaddr*>(&ss), len) !=
        static_cast<ssize_t>(sizeof(d)))
      throw std::runtime_error(std::string("raw sendto: ") + std::strerror(errno));
  }
}

UdpEcho::UdpEcho(int fd, int count)
    : worker_([this, fd, count] {
        char buf[65536];
        while (echoed_ < count) {
          pollfd p{fd, POLLIN, 0};
          if (poll(&p, 1, static_cast<int>(kIoTimeout.count())) != 1) return;
          sockaddr_storage from{};
          socklen_t len = sizeof(from);
          const ssize_t n =
              recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
          if (n < 0) continue;
          if (sendto(fd, buf, n, 0, reinterpret_cast<sockaddr*>(&from), len) == n) ++echoed_;
        }
      }) {}

UdpEcho::~UdpEcho() {
  if (worker_.joinable()) worker_.join();
}

int UdpEcho::Join() {
  if (worker_.joinable()) worker_.join();
  return echoed_;
}

std::pair<uint64_t, uint64_t> SsUdpQueue(const Netns& ns, uint16_t port) {
  const CommandResult r = RunCommand(
      {"ip", "netns", "exec", ns.Name(), "ss", "-Huanm", "sport", "= :" + std::to_string(port)});
  std::smatch match;
  static const std::regex kSkmem(R"(skmem:\(r(\d+),rb(\d+),)");
  if (!std::regex_search(r.out, match, kSkmem)) throw std::runtime_error("ss: " + r.out + r.err);
  return {std::stoull(match[1]), std::stoull(match[2])};
}

}  // namespace se::test
