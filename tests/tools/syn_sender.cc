#include "syn_sender.h"

#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <thread>

namespace se::test {
namespace {

constexpr size_t kTcpLen = 24;  // header plus one MSS option

uint32_t SumWords(const void* data, size_t len, uint32_t sum) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i + 1 < len; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (len & 1) sum += p[len - 1] << 8;
  return sum;
}

uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

void FillTcp(uint8_t* out, uint16_t sport, uint16_t dport, uint32_t seq) {
  tcphdr tcp{};
  tcp.source = htons(sport);
  tcp.dest = htons(dport);
  tcp.seq = htonl(seq);
  tcp.doff = kTcpLen / 4;
  tcp.syn = 1;
  tcp.window = htons(64240);
  std::memcpy(out, &tcp, sizeof(tcp));
  const uint8_t mss[4] = {2, 4, 0x05, 0xb4};  // MSS 1460
  std::memcpy(out + sizeof(tcp), mss, sizeof(mss));
}

// Adds n to the address (big-endian, of len bytes).
void AddToAddress(uint8_t* addr, size_t len, uint64_t n) {
  for (size_t i = len; i-- > 0 && n;) {
    const uint64_t sum = addr[i] + (n & 0xff);
    addr[i] = static_cast<uint8_t>(sum);
    n = (n >> 8) + (sum >> 8);
  }
}

// Randomizes the host bits of addr beyond prefix (of width bits).
void Randomize(uint8_t* addr, int width, int prefix, uint64_t r) {
  for (int bit = prefix; bit < width; ++bit) {
    const uint8_t mask = 0x80 >> (bit % 8);
    if ((r >> (bit % 64)) & 1) {
      addr[bit / 8] |= mask;
    } else {
      addr[bit / 8] &= ~mask;
    }
  }
}

}  // namespace

bool ParseAddress(const std::string& text, in6_addr* addr, int* family) {
  *addr = in6_addr{};
  if (inet_pton(AF_INET, text.c_str(), addr) == 1) {
    *family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), addr) == 1) {
    *family = AF_INET6;
    return true;
  }
  return false;
}

bool ParseCidr(const std::string& text, int family, in6_addr* base, int* prefix) {
  const auto slash = text.find('/');
  int parsed_family = 0;
  if (!ParseAddress(text.substr(0, slash), base, &parsed_family) || parsed_family != family)
    return false;
  const int width = family == AF_INET ? 32 : 128;
  *prefix = width;
  if (slash == std::string::npos) return true;
  char* end = nullptr;
  const long p = std::strtol(text.c_str() + slash + 1, &end, 10);
  if (*end != '\0' || p < 0 || p > width) return false;
  *prefix = static_cast<int>(p);
  return true;
}

SynSender::SynSender(const SynPlan& plan) : plan_(plan), state_(plan.seed | 1) {
  fd_ = socket(plan.family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd_ < 0) error_ = std::string("raw socket: ") + std::strerror(errno);
}

SynSender::~SynSender() {
  if (fd_ >= 0) close(fd_);
}

uint64_t SynSender::Next() {  // xorshift64*
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545F4914F6CDD1DULL;
}

size_t SynSender::Build(uint8_t* packet) {
  const uint32_t span = plan_.port_last - plan_.port_first + 1;
  const uint16_t dport = static_cast<uint16_t>(plan_.port_first + (port_index_++ % span));
  const uint64_t index = sent_++;
  const uint64_t r = Next();
  const uint16_t sport = 1024 + (r >> 48) % 64000;
  const uint32_t seq = static_cast<uint32_t>(r >> 16);
  uint8_t src[16];
  std::memcpy(src, &plan_.src_base, sizeof(src));
  const bool v4 = plan_.family == AF_INET;
  const size_t alen = v4 ? 4 : 16;
  if (plan_.sequential_sources) {
    AddToAddress(src, alen, index);
  } else {
    Randomize(src, v4 ? 32 : 128, plan_.src_prefix, v4 ? Next() : Next() ^ (Next() << 1));
  }
  uint8_t dst[16];
  std::memcpy(dst, &plan_.dst, sizeof(dst));
  AddToAddress(dst, alen, plan_.dst_count > 1 ? index % plan_.dst_count : 0);
  uint8_t* tcp = packet + (v4 ? sizeof(iphdr) : sizeof(ip6_hdr));
  FillTcp(tcp, sport, dport, seq);
  uint32_t sum = SumWords(src, alen, 0);
  sum = SumWords(dst, alen, sum);
  sum += IPPROTO_TCP + kTcpLen;
  reinterpret_cast<tcphdr*>(tcp)->check = Fold(SumWords(tcp, kTcpLen, sum));
  if (v4) {
    iphdr ip{};
    ip.version = 4;
    ip.ihl = 5;
    ip.ttl = 64;
    ip.protocol = IPPROTO_TCP;
    ip.tot_len = htons(sizeof(iphdr) + kTcpLen);
    std::memcpy(&ip.saddr, src, 4);
    std::memcpy(&ip.daddr, dst, 4);
    std::memcpy(packet, &ip, sizeof(ip));
    return sizeof(iphdr) + kTcpLen;
  }
  ip6_hdr ip{};
  ip.ip6_flow = htonl(6u << 28);
  ip.ip6_plen = htons(kTcpLen);
  ip.ip6_nxt = IPPROTO_TCP;
  ip.ip6_hlim = 64;
  std::memcpy(&ip.ip6_src, src, 16);
  std::memcpy(&ip.ip6_dst, dst, 16);
  std::memcpy(packet, &ip, sizeof(ip));
  return sizeof(ip6_hdr) + kTcpLen;
}

bool SynSender::SendOne() {
  uint8_t packet[sizeof(ip6_hdr) + kTcpLen];
  const size_t len = Build(packet);
  const bool v4 = plan_.family == AF_INET;
  const uint8_t* dst = packet + (v4 ? offsetof(iphdr, daddr) : offsetof(ip6_hdr, ip6_dst));
  sockaddr_storage to{};
  socklen_t to_len;
  if (plan_.family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&to);
    a->sin_family = AF_INET;
    std::memcpy(&a->sin_addr, dst, 4);
    to_len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&to);
    a->sin6_family = AF_INET6;
    std::memcpy(&a->sin6_addr, dst, 16);
    to_len = sizeof(*a);
  }
  for (int attempt = 0; attempt < 1000; ++attempt) {
    if (sendto(fd_, packet, len, 0, reinterpret_cast<sockaddr*>(&to), to_len) ==
        static_cast<ssize_t>(len))
      return true;
    if (errno != ENOBUFS && errno != EAGAIN) break;
    std::this_thread::sleep_for(std::chrono::microseconds(50));  // queue full: let it drain
  }
  error_ = std::string("sendto: ") + std::strerror(errno);
  return false;
}

uint64_t SynSender::Run() {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(plan_.max_seconds);
  uint64_t sent = 0;
  while (sent < plan_.count) {
    if ((sent & 63) == 0 && Clock::now() >= deadline) break;
    if (plan_.rate) {
      const auto due = start + std::chrono::duration<double>(static_cast<double>(sent) /
                                                             static_cast<double>(plan_.rate));
      if (due > Clock::now()) std::this_thread::sleep_until(due);
    }
    if (!SendOne()) break;
    ++sent;
  }
  return sent;
}

}  // namespace se::test
