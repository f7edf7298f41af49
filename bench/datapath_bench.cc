// What the exporter's programs cost ordinary traffic on established TCP connections, which
// should be nothing measurable: a 64-byte ping-pong and a bulk stream between a client
// namespace and the server namespace (the one in scope) over veth, with nothing attached, with
// the real TcpEventsProbe fully attached (SYN counter at the cgroup or the TC hook), and with
// empty programs on the same hooks. Every round runs every arm, in an order that rotates (and
// runs backwards every other round), so a shared machine's drift hits all arms alike.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench_cli.h"
#include "bench_meters.h"
#include "bench_rounds.h"
#include "bench_stats.h"
#include "bulk.h"
#include "datapath_arms.h"
#include "harness/netns.h"
#include "logging/log.h"
#include "pingpong.h"

namespace {

using namespace se::bench;

constexpr double kTarget = 0.99;  // exporter arm's throughput / detached
constexpr double kSliceMaxSeconds = 20;
constexpr uint16_t kPingPort = 9101, kBulkPort = 9102;

struct Args {
  int rounds = 8;
  uint64_t round_trips = 20000;
  uint64_t bulk_mib = 256;
};

// One arm in one round.
struct Sample {
  PingPongResult pp;
  BulkResult bulk;
  int foreign = 0;  // cgroup inet-ingress links not ours seen around the arm
};
using Round = std::array<Sample, kArmCount>;
using Metric = std::function<double(const Sample&)>;

// Destroyed in reverse: programs first, then sockets, namespaces last.
class Rig {
 public:
  explicit Rig(const Args& args) : args_(args) {
    se::test::LinkByVeth(server_, client_);
    const char* addr = se::test::VethLink::kServer4;
    pingpong_ = std::make_unique<PingPong>(server_, client_, addr, kPingPort);
    bulk_ = std::make_unique<Bulk>(server_, client_, addr, kBulkPort);
    se::UniqueFd ns(open(server_.Path().c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) throw MeterError("open " + server_.Path());
    arms_ = std::make_unique<DatapathArms>(static_cast<uint32_t>(server_.Inode()), ns.get(),
                                           std::vector<uint16_t>{kPingPort, kBulkPort});
  }

  Sample RunArm(int arm) {
    const int ours = arm == kEmptyCgroup || arm == kExporterCgroup ? 1 : 0;
    arms_->Attach(arm);
    Sample s;
    s.foreign = CgroupIngressLinks() - ours;
    s.pp = pingpong_->Run(args_.round_trips, kSliceMaxSeconds);
    s.bulk = bulk_->Run(args_.bulk_mib << 20, kSliceMaxSeconds);
    s.foreign = std::max(s.foreign, CgroupIngressLinks() - ours);
    arms_->Detach();
    return s;
  }

  // Resolves neighbours, ends TCP's quick-ack phase, grows the bulk connection's window.
  void WarmUp() { RunArm(kDetached); }
  const std::string& TcInterfaces() const { return arms_->TcInterfaces(); }

 private:
  Args args_;
  se::test::Netns server_{"dp-srv"}, client_{"dp-cli"};
  std::unique_ptr<PingPong> pingpong_;
  std::unique_ptr<Bulk> bulk_;
  std::unique_ptr<DatapathArms> arms_;
};

// ---- Summaries over rounds ----

struct Workload {
  const char* title;
  const char* short_name;  // for the summary line
  const char* rate_unit;   // e.g. "round trips/s"
  const char* cost_unit;   // e.g. "CPU ns/round trip"
  Metric rate, cost;
};

// Prints the detached arm's spread; true if it allows no verdict: too few rounds, or it is above
// kMaxRelativeIqr of the median.
bool TooNoisy(const std::vector<Round>& rounds, const Workload& w) {
  const std::vector<double> v = Values(rounds, kDetached, w.rate);
  const double iqr = SpreadOf(v).RelativeIqr();
  const std::string few = RoundsVerdict(v.size());
  std::printf("noise: detached %s, interquartile range %.1f %% of the median (limit %.0f %%)%s\n",
              w.rate_unit, 100 * iqr, 100 * kMaxRelativeIqr,
              few.empty() ? "" : ("; " + few).c_str());
  return !few.empty() || iqr > kMaxRelativeIqr;
}

void PrintVerdicts(const std::vector<Round>& rounds, const Workload& w, bool noisy) {
  std::printf("target: throughput >= %.2f of detached (median of per-round ratios)\n", kTarget);
  for (int arm : {kExporterCgroup, kExporterTc}) {
    const double ratio = Median(Ratios(rounds, kDetached, arm, w.rate));
    const char* verdict = noisy              ? "too noisy (no verdict)"
                          : ratio >= kTarget ? "meets the target"
                                             : "MISSES the target";
    std::printf("  %-16s %.3f: %s\n", DatapathArmName(arm), ratio, verdict);
    std::printf("summary | %s, %s | >= %.2f of detached | %.3f of detached | %.3f | - | %s\n",
                w.short_name, DatapathArmName(arm), kTarget, ratio,
                Median(Ratios(rounds, kDetached, MatchingEmptyArm(arm), w.rate)), verdict);
  }
}

void PrintWorkload(const std::vector<Round>& rounds, const Workload& w) {
  std::printf("\n== %s ==\n", w.title);
  const bool noisy = TooNoisy(rounds, w);
  std::printf("%-16s %-30s %-24s %-28s %-26s %s\n", "arm", w.rate_unit, "ratio to detached",
              w.cost_unit, "CPU - detached", "CPU - matching empty");
  for (int arm = 0; arm < kArmCount; ++arm)
    std::printf(
        "%-16s %-30s %-24s %-28s %-26s %s\n", DatapathArmName(arm),
        SpreadText(Values(rounds, arm, w.rate), "%.0f").c_str(),
        SpreadText(Ratios(rounds, kDetached, arm, w.rate), "%.3f").c_str(),
        SpreadText(Values(rounds, arm, w.cost), "%.0f").c_str(),
        arm == kDetached ? "-"
                         : SpreadText(Differences(rounds, kDetached, arm, w.cost), "%+.0f").c_str(),
        SpreadText(Differences(rounds, MatchingEmptyArm(arm), arm, w.cost), "%+.0f").c_str());
  PrintVerdicts(rounds, w, noisy);
}

void PrintSummaries(const std::vector<Round>& rounds, const Args& args) {
  char pp_title[160], bulk_title[160];
  std::snprintf(pp_title, sizeof(pp_title),
                "small messages: 64-byte ping-pong, %llu round trips per slice, client ns <-> "
                "server ns over veth",
                static_cast<unsigned long long>(args.round_trips));
  std::snprintf(bulk_title, sizeof(bulk_title),
                "bulk: %llu MiB per slice in %zu KiB writes, one connection, client ns -> "
                "server ns over veth",
                static_cast<unsigned long long>(args.bulk_mib), Bulk::kWriteBytes / 1024);
  PrintWorkload(rounds, {pp_title, "64-byte ping-pong", "round trips/s", "CPU ns/round trip",
                         [](const Sample& s) { return s.pp.Rate(); },
                         [](const Sample& s) { return s.pp.CpuPerRoundTrip(); }});
  PrintWorkload(rounds, {bulk_title, "bulk stream", "MB/s", "CPU ns/MiB",
                         [](const Sample& s) { return s.bulk.MegabytesPerSecond(); },
                         [](const Sample& s) { return s.bulk.CpuNsPerMib(); }});
}

void PrintRound(int round, int arm, const Sample& s) {
  std::printf("%-5d %-16s %10.0f %10.0f %9.0f %11.0f %4s\n", round, DatapathArmName(arm),
              s.pp.Rate(), s.pp.CpuPerRoundTrip(), s.bulk.MegabytesPerSecond(),
              s.bulk.CpuNsPerMib(), s.foreign ? "yes" : "");
}

// args.rounds rounds without a foreign cgroup inet-ingress link (RunCleanRounds).
std::vector<Round> RunRounds(Rig* rig, const Args& args) {
  rig->WarmUp();
  std::printf("\nround arm                   RT/s   ns/RT      MB/s    ns/MiB frgn\n");
  return RunCleanRounds<Round>(args.rounds, [rig](int r, int arm) {
    const Sample s = rig->RunArm(arm);
    PrintRound(r + 1, arm, s);
    return s;
  });
}

void PrintHeader(const Args& args) {
  std::printf(
      "datapath_bench: %d rounds x %d arms (order rotating every round, backwards every other "
      "round)\n%s (before)\n",
      args.rounds, kArmCount, MachineLine().c_str());
  std::printf(
      "arms: detached; empty-cgroup (7 empty tp_btf + empty cgroup_skb ingress on the cgroup "
      "v2 root %s); exporter-cgroup (TcpEventsProbe, SynHook::kCgroup, scoped to the "
      "server ns, every program attached); empty-tc (7 empty tp_btf + tc_empty on every "
      "interface of the server ns); exporter-tc (TcpEventsProbe, SynHook::kTc)\n"
      "CPU figures: CPU time of the one thread driving both ends, which runs the receiving side "
      "in its own softirq; kernel.bpf_stats_enabled untouched\n"
      "figures: median [interquartile range] over rounds; ratios and differences are taken per "
      "round, between arms of the same round\n",
      Cgroup2Mount().c_str());
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  Flags("datapath_bench", "datapath_bench [--rounds=N] [--round-trips=N] [--bulk-mib=N]")
      .Int("--rounds", &a.rounds, 1, 1000)
      .Int("--round-trips", &a.round_trips, 100, 10000000)
      .Int("--bulk-mib", &a.bulk_mib, 1, 65536)
      .Parse(argc, argv);
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  se::bench::StartAsRoot("datapath_bench", "namespaces, BPF");
  se::log::Setup(se::LogFormat::kLogfmt, "error");
  try {
    const double start = Now();
    PrintHeader(args);
    Rig rig(args);
    const std::vector<Round> rounds = RunRounds(&rig, args);
    std::printf("tc arms attached to: %s\n", rig.TcInterfaces().c_str());
    PrintSummaries(rounds, args);
    std::printf("\n%s (after); %.0f s in all\n", MachineLine().c_str(), Now() - start);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "datapath_bench: %s\n", e.what());
    return 1;
  }
}
