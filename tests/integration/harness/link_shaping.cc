#include "harness/link_shaping.h"

#include <stdexcept>
#include <vector>

#include "harness/command.h"
#include "harness/netns.h"

namespace se::test {
namespace {

void Tc(const Netns& ns, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ip", "netns", "exec", ns.Name(), "tc"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = RunCommand(argv);
  if (r.exit_code != 0) throw std::runtime_error("tc " + args[0] + ": " + r.err);
}

}  // namespace

void DropDataSegments(const Netns& ns) {
  Tc(ns, {"qdisc", "add", "dev", "se0", "clsact"});
  Tc(ns, {"filter", "add", "dev", "se0", "ingress", "bpf", "da", "obj", SE_DROP_DATA_OBJECT, "sec",
          "tc"});
}

void LimitRate(const Netns& ns, const std::string& rate, const std::string& limit) {
  Tc(ns, {"qdisc", "add", "dev", "se0", "root", "tbf", "rate", rate, "burst", "16kb", "limit",
          limit});
}

}  // namespace se::test
