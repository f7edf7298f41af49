// Spoofed-SYN traffic for tests: crafted SYNs sent from inside a client namespace, over a
// veth link (LinkByVeth), to a listener in the server namespace.
#ifndef SE_TEST_HARNESS_SYN_TRAFFIC_H_
#define SE_TEST_HARNESS_SYN_TRAFFIC_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>
#include <ostream>
#include <string>

namespace se::test {

class Netns;

// One way of counting SYNs (--probes.syn-hook) and the probe it reports, for tests that run
// once per hook.
struct SynHookParam {
  const char* name;
  const char* flag;
  const char* probe;
};
inline constexpr SynHookParam kSynHooks[] = {
    {"cgroup", "--probes.syn-hook=cgroup", "syn_ingress"},
    {"tc", "--probes.syn-hook=tc", "syn_tc_ingress"},
};
inline void PrintTo(const SynHookParam& p, std::ostream* os) { *os << p.name; }
inline std::string SynHookName(const ::testing::TestParamInfo<SynHookParam>& info) {
  return info.param.name;
}

struct SpoofedSyns {
  std::string dst;                         // server address
  uint16_t port_first = 0, port_last = 0;  // destination ports, cycled; last 0 = first
  uint64_t count = 0;
  std::string src = "10.201.0.0/16";  // spoofed sources (never martian, never local)
  uint64_t rate = 0;                  // per second; 0 = as fast as possible
  uint64_t seed = 1;
  uint32_t dst_count = 1;           // dst, dst+1, ... (a sweep across addresses)
  bool sequential_sources = false;  // src base +0, +1, ... (each source once)
};

// Sends them from inside ns and waits; returns how many went out (all of them unless the
// kernel refused one, in which case a gtest failure is added).
uint64_t SendSpoofedSyns(const Netns& ns, const SpoofedSyns& syns);

// The same in the background (the se_syngen tool, bounded by 30 s); returns its pid or -1.
pid_t SpawnSpoofedSyns(const Netns& ns, const SpoofedSyns& syns);

// Drops every pure ACK leaving ns through its veth end (a TC program), so handshakes the
// namespace starts stay half-open at the server. Throws on failure.
void WithholdFinalAcks(const Netns& ns);

// The namespace's own absolute counter (e.g. "TcpInSegs"), read with `nstat -as`.
uint64_t Nstat(const Netns& ns, const std::string& counter);

// Number of request sockets in SYN_RECV in ns, as `ss` counts them.
int SsHalfOpen(const Netns& ns);

}  // namespace se::test

#endif  // SE_TEST_HARNESS_SYN_TRAFFIC_H_
