#include "harness/syn_traffic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "harness/command.h"
#include "harness/netns.h"
#include "syn_sender.h"

namespace se::test {
namespace {

uint16_t LastPort(const SpoofedSyns& s) { return s.port_last ? s.port_last : s.port_first; }

}  // namespace

uint64_t SendSpoofedSyns(const Netns& ns, const SpoofedSyns& syns) {
  SynPlan plan;
  if (!ParseAddress(syns.dst, &plan.dst, &plan.family) ||
      !ParseCidr(syns.src, plan.family, &plan.src_base, &plan.src_prefix)) {
    ADD_FAILURE() << "bad spoofed SYN plan: dst " << syns.dst << " src " << syns.src;
    return 0;
  }
  plan.port_first = syns.port_first;
  plan.port_last = LastPort(syns);
  plan.count = syns.count;
  plan.rate = syns.rate;
  plan.seed = syns.seed;
  plan.dst_count = syns.dst_count;
  plan.sequential_sources = syns.sequential_sources;
  uint64_t sent = 0;
  std::string error;
  ns.RunIn([&] {
    SynSender sender(plan);
    if (sender.valid()) sent = sender.Run();
    error = sender.error();
  });
  EXPECT_EQ(sent, syns.count) << error;
  return sent;
}

pid_t SpawnSpoofedSyns(const Netns& ns, const SpoofedSyns& syns) {
  const std::string ports = std::to_string(syns.port_first) + "-" + std::to_string(LastPort(syns));
  return Spawn(
      {SE_SYNGEN_BINARY, "--dst", syns.dst, "--ports", ports, "--count", std::to_string(syns.count),
       "--src", syns.src, "--rate", std::to_string(syns.rate), "--seed", std::to_string(syns.seed),
       "--max-seconds", "30", "--dst-count", std::to_string(syns.dst_count), "--sequential-sources",
       syns.sequential_sources ? "1" : "0"},
      SpawnOptions{.netns_path = ns.Path()});
}

void WithholdFinalAcks(const Netns& ns) {
  for (const std::vector<std::string>& tc :
       {std::vector<std::string>{"qdisc", "add", "dev", "se0", "clsact"},
        std::vector<std::string>{"filter", "add", "dev", "se0", "egress", "bpf", "da", "obj",
                                 SE_DROP_ACKS_OBJECT, "sec", "tc"}}) {
    std::vector<std::string> argv = {"ip", "netns", "exec", ns.Name(), "tc"};
    argv.insert(argv.end(), tc.begin(), tc.end());
    const CommandResult r = RunCommand(argv);
    if (r.exit_code != 0) throw std::runtime_error("tc " + tc[0] + ": " + r.err);
  }
}

uint64_t Nstat(const Netns& ns, const std::string& counter) {
  const CommandResult r = RunCommand({"ip", "netns", "exec", ns.Name(), "nstat", "-asz", counter});
  std::istringstream lines(r.out);
  for (std::string name, value, line; std::getline(lines, line);) {
    std::istringstream fields(line);
    if (fields >> name >> value && name == counter) return std::stoull(value);
  }
  throw std::runtime_error("nstat has no " + counter + ": " + r.out + r.err);
}

int SsHalfOpen(const Netns& ns) {
  const CommandResult r =
      RunCommand({"ip", "netns", "exec", ns.Name(), "ss", "-Htan", "state", "syn-recv"});
  if (r.exit_code != 0) throw std::runtime_error("ss: " + r.err);
  return static_cast<int>(std::count(r.out.begin(), r.out.end(), '\n'));
}

}  // namespace se::test
