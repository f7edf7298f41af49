// One established TCP connection between two network namespaces, for the benchmarks' ordinary
// traffic: listens on addr:port in the server namespace, connects from the client namespace
// (the same one for lo) and accepts. connect() and accept() are bounded by a 2 s timeout that
// stays on both ends. Errors throw MeterError naming `what`.
#ifndef SE_BENCH_TCP_PAIR_H_
#define SE_BENCH_TCP_PAIR_H_

#include <cstdint>
#include <string>

#include "harness/netns.h"
#include "net/unique_fd.h"

namespace se::bench {

struct TcpPair {
  UniqueFd client, server;
};

TcpPair ConnectAcross(const test::Netns& server_ns, const test::Netns& client_ns,
                      const std::string& addr, uint16_t port, const std::string& what);

// "what: strerror(errno)".
std::string Errno(const std::string& what);

}  // namespace se::bench

#endif  // SE_BENCH_TCP_PAIR_H_
