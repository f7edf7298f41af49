// A network namespace of the benchmark's own, for the loopback storms: the process leaves the
// namespace it started in, so nothing else on the machine sends on its lo and the exporter's
// programs can be scoped to it. Errors throw MeterError.
#ifndef SE_BENCH_BENCH_NETNS_H_
#define SE_BENCH_BENCH_NETNS_H_

#include <netinet/in.h>

#include <cstdint>
#include <string>

namespace se::bench {

// unshare(CLONE_NEWNET) with lo up; returns the new namespace's inode. The namespace goes away
// with the process (nothing else holds it).
uint32_t EnterPrivateNetns();

// 127.0.0.1:port.
sockaddr_in Loopback(uint16_t port);

// Writes value into path (a sysctl of the new namespace, say).
void WriteFile(const std::string& path, const std::string& value);

}  // namespace se::bench

#endif  // SE_BENCH_BENCH_NETNS_H_
