// se_syngen: sends crafted TCP SYNs from spoofed sources. Bounded by --count and --max-seconds.
//   se_syngen --dst 10.200.1.1 --ports 7000[-7100] --count N [--src 10.201.0.0/16]
//             [--rate PPS] [--max-seconds S] [--seed N] [--dst-count N]
//             [--sequential-sources 1]
// Prints "sent N" and exits 0 if every SYN went out, 1 otherwise, 2 on bad arguments.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "syn_sender.h"

namespace {

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "se_syngen: %s\nusage: se_syngen --dst ADDR --ports P[-Q] --count N [--src CIDR] "
               "[--rate PPS] [--max-seconds S] [--seed N] [--dst-count N] "
               "[--sequential-sources 1]\n",
               why.c_str());
  std::exit(2);
}

uint64_t Number(const std::string& key, const std::string& text) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') Usage(key + ": not a number: " + text);
  return v;
}

se::test::SynPlan ParseArgs(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) Usage(std::string("missing value for ") + argv[i]);
    args[argv[i]] = argv[i + 1];
  }
  se::test::SynPlan plan;
  if (!se::test::ParseAddress(args["--dst"], &plan.dst, &plan.family))
    Usage("--dst: not an IPv4 or IPv6 address: " + args["--dst"]);
  const std::string ports = args["--ports"];
  const auto dash = ports.find('-');
  plan.port_first = static_cast<uint16_t>(Number("--ports", ports.substr(0, dash)));
  plan.port_last = dash == std::string::npos
                       ? plan.port_first
                       : static_cast<uint16_t>(Number("--ports", ports.substr(dash + 1)));
  if (plan.port_first == 0 || plan.port_last < plan.port_first) Usage("--ports: bad range");
  plan.count = Number("--count", args["--count"]);
  const std::string src = args.count("--src") ? args["--src"] : args["--dst"];
  if (!se::test::ParseCidr(src, plan.family, &plan.src_base, &plan.src_prefix))
    Usage("--src: not a CIDR of the destination's family: " + src);
  if (args.count("--rate")) plan.rate = Number("--rate", args["--rate"]);
  if (args.count("--max-seconds"))
    plan.max_seconds = static_cast<double>(Number("--max-seconds", args["--max-seconds"]));
  if (args.count("--seed")) plan.seed = Number("--seed", args["--seed"]);
  if (args.count("--dst-count"))
    plan.dst_count = static_cast<uint32_t>(Number("--dst-count", args["--dst-count"]));
  if (args.count("--sequential-sources"))
    plan.sequential_sources = Number("--sequential-sources", args["--sequential-sources"]) != 0;
  return plan;
}

}  // namespace

int main(int argc, char** argv) {
  const se::test::SynPlan plan = ParseArgs(argc, argv);
  se::test::SynSender sender(plan);
  if (!sender.valid()) {
    std::fprintf(stderr, "se_syngen: %s (needs CAP_NET_RAW)\n", sender.error().c_str());
    return 1;
  }
  const uint64_t sent = sender.Run();
  std::printf("sent %llu\n", static_cast<unsigned long long>(sent));
  if (!sender.error().empty()) std::fprintf(stderr, "se_syngen: %s\n", sender.error().c_str());
  return sent == plan.count ? 0 : 1;
}
