// What counting SYNs costs at each hook, so the project can choose between them by measurement:
// the cgroup_skb program on the cgroup v2 root (syn_ingress) against the TC program on every
// interface of the namespace in scope (syn_tc_ingress), each beside an empty program at the same
// hook and beside no program at all. One process runs every arm in every round, in an order that
// rotates (and runs backwards every other round), so slow drift of a shared machine hits all arms
// alike. Each arm runs a spoofed-SYN flood into the server namespace and ordinary traffic (a
// ping-pong) in scope and in a third namespace out of scope, with kernel.bpf_stats_enabled on.
#include <bpf/bpf.h>
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "bench_cli.h"
#include "bench_meters.h"
#include "bench_rounds.h"
#include "bench_stats.h"
#include "logging/log.h"
#include "net/unique_fd.h"
#include "syn_hook_rig.h"

namespace {

using se::UniqueFd;
using se::bench::ArmName;
using se::bench::ArmReading;
using se::bench::kArmCount;
using se::bench::kIdleSeconds;
using se::bench::MeterError;
using se::bench::Now;
using se::bench::PingSlice;
using se::bench::Rig;
using se::bench::Round;
using se::bench::Sample;
using se::bench::SpreadText;
using se::bench::Values;

struct Args {
  int rounds = 8;
  se::bench::RigPlan plan;
};

// kernel.bpf_stats_enabled on for the run, the previous value back on exit. A BPF_ENABLE_STATS
// descriptor keeps the clock on should someone else reset the sysctl meanwhile.
class BpfStatsOn {
 public:
  BpfStatsOn() {
    std::ifstream(kPath) >> previous_;
    if (previous_.empty() || !Write("1")) throw MeterError("cannot write " + std::string(kPath));
    const int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
    fd_.reset(fd >= 0 ? fd : -1);
  }
  ~BpfStatsOn() { Write(previous_); }
  const std::string& previous() const { return previous_; }

 private:
  static constexpr const char* kPath = "/proc/sys/kernel/bpf_stats_enabled";
  static bool Write(const std::string& v) { return static_cast<bool>(std::ofstream(kPath) << v); }
  std::string previous_;
  UniqueFd fd_;
};

// ---- Summaries over rounds ----

using Metric = std::function<double(const Sample&)>;

// The same for a program figure; "-" for the detached arm, which has none.
std::string ProgSpread(const std::vector<Round>& rounds, int arm, const Metric& f,
                       const char* fmt) {
  return arm == se::bench::kDetached ? "-" : SpreadText(Values(rounds, arm, f), fmt);
}

// Says whether the detached arm's rate allows no verdict: too few rounds, or it moved more than
// kMaxRelativeIqr over rounds.
bool NoiseCheck(const std::vector<Round>& rounds, const Metric& rate, const char* what) {
  using se::bench::Quantile;
  const std::vector<double> v = Values(rounds, se::bench::kDetached, rate);
  const se::bench::Spread s = se::bench::SpreadOf(v);
  const std::string few = se::bench::RoundsVerdict(v.size());
  const bool noisy = !few.empty() || s.RelativeIqr() > se::bench::kMaxRelativeIqr;
  const std::string verdict =
      !few.empty() ? "; " + few + ": the ratios and differences below are NOT reliable"
      : noisy      ? "; > 10 %: TOO NOISY, the ratios and differences below are NOT reliable"
                   : "; <= 10 %";
  std::printf(
      "noise: detached %s over rounds: interquartile range %.1f %% of the median, min..max "
      "%.1f %%%s\n",
      what, 100 * s.RelativeIqr(), 100 * (Quantile(v, 1) - Quantile(v, 0)) / s.median,
      verdict.c_str());
  return noisy;
}

// Added cost of each hook and program: empty - detached, real - empty, real - detached.
void PrintAdded(const std::vector<Round>& rounds, const Metric& cost, const char* unit) {
  using namespace se::bench;
  const struct {
    int a, b;
    const char* what;
  } pairs[] = {{kDetached, kCgroupEmpty, "cgroup hook (cgroup-empty - detached)"},
               {kCgroupEmpty, kCgroup, "syn_ingress's work (cgroup - cgroup-empty)"},
               {kDetached, kCgroup, "cgroup total (cgroup - detached)"},
               {kDetached, kTcEmpty, "tc hook (tc-empty - detached)"},
               {kTcEmpty, kTc, "syn_tc_ingress's work (tc - tc-empty)"},
               {kDetached, kTc, "tc total (tc - detached)"}};
  std::printf("added CPU %s, median of per-round differences [interquartile]:\n", unit);
  for (const auto& p : pairs)
    std::printf("  %-44s %s\n", p.what,
                SpreadText(se::bench::Differences(rounds, p.a, p.b, cost), "%+.1f").c_str());
}

// One summary line per hook: the added CPU of the real program and of its floor, over detached.
void PrintSummary(const std::vector<Round>& rounds, const Metric& cost, const char* workload,
                  bool noisy) {
  using namespace se::bench;
  for (int arm : {kCgroup, kTc}) {
    const int floor = arm == kCgroup ? kCgroupEmpty : kTcEmpty;
    std::printf(
        "summary | %s, %s hook | - (chooses the hook) | %+.0f ns | %+.0f ns | - | %s\n", workload,
        arm == kCgroup ? "cgroup" : "tc", Median(Differences(rounds, kDetached, arm, cost)),
        Median(Differences(rounds, kDetached, floor, cost)), noisy ? "too noisy" : "measured");
  }
}

double RunsPer(const ArmReading& r, double units) { return r.runs / units; }
// NaN where the workload did not drive the program (fewer runs than 1 per 100 units).
double NsPerRun(const ArmReading& r, double units) {
  return r.runs * 100 >= units ? static_cast<double>(r.run_ns) / r.runs : std::nan("");
}

void PrintSyns(const std::vector<Round>& rounds, const Args& args) {
  std::printf(
      "\n== SYNs: %llu spoofed SYNs per slice, client ns -> veth -> listener in the server "
      "ns (never accepting; SYN cookies) ==\n",
      static_cast<unsigned long long>(args.plan.syns));
  const Metric rate = [](const Sample& s) { return s.syn.absorbed / s.syn.seconds; };
  const Metric cost = [](const Sample& s) { return s.syn.cpu_ns / s.syn.absorbed; };
  const bool noisy = NoiseCheck(rounds, rate, "SYN/s");
  std::printf("%-13s %-26s %-26s %-22s %-24s %s\n", "arm", "SYN/s", "sender CPU ns/SYN",
              "program runs/SYN", "ns/run (stats on)",
              noisy ? "rate/detached (NOISY)" : "rate/detached");
  const Metric runs = [](const Sample& s) { return RunsPer(s.syn.prog, s.syn.absorbed); };
  const Metric ns = [](const Sample& s) { return NsPerRun(s.syn.prog, s.syn.absorbed); };
  for (int arm = 0; arm < kArmCount; ++arm)
    std::printf(
        "%-13s %-26s %-26s %-22s %-24s %s\n", ArmName(arm),
        SpreadText(Values(rounds, arm, rate), "%.0f").c_str(),
        SpreadText(Values(rounds, arm, cost), "%.1f").c_str(),
        ProgSpread(rounds, arm, runs, "%.3f").c_str(), ProgSpread(rounds, arm, ns, "%.1f").c_str(),
        SpreadText(se::bench::Ratios(rounds, se::bench::kDetached, arm, rate), "%.3f").c_str());
  PrintAdded(rounds, cost, "ns per SYN");
  PrintSummary(rounds, cost, "CPU per SYN", noisy);
  for (int arm : {se::bench::kCgroup, se::bench::kTc}) {
    uint64_t counted = 0, absorbed = 0;
    for (const Round& r : rounds) {
      counted += r[arm].syn.prog.syns;
      absorbed += r[arm].syn.absorbed;
    }
    std::printf("%s counted %llu of %llu SYNs absorbed in its slices\n", ArmName(arm),
                static_cast<unsigned long long>(counted),
                static_cast<unsigned long long>(absorbed));
  }
}

void PrintTraffic(const std::vector<Round>& rounds, bool in_scope, const Args& args) {
  std::printf("\n== ordinary traffic %s: 64-byte ping-pong, %llu round trips per slice, %s ==\n",
              in_scope ? "IN scope" : "OUT of scope",
              static_cast<unsigned long long>(args.plan.round_trips),
              in_scope ? "server ns <-> client ns over veth"
                       : "over lo of a third namespace (not the one in scope)");
  const auto slice = [in_scope](const Sample& s) -> const PingSlice& {
    return in_scope ? s.in : s.out;
  };
  const Metric rate = [slice](const Sample& s) { return slice(s).pp.Rate(); };
  const Metric cost = [slice](const Sample& s) { return slice(s).pp.CpuPerRoundTrip(); };
  const bool noisy = NoiseCheck(rounds, rate, "round trips/s");
  std::printf("%-13s %-24s %-24s %-26s %-22s %s\n", "arm", "round trips/s",
              noisy ? "ratio to detached (NOISY)" : "ratio to detached", "CPU ns/round trip",
              "program runs/RT", "ns/run (stats on)");
  const Metric runs = [slice](const Sample& s) {
    return RunsPer(slice(s).prog, slice(s).pp.round_trips);
  };
  const Metric ns = [slice](const Sample& s) {
    return NsPerRun(slice(s).prog, slice(s).pp.round_trips);
  };
  for (int arm = 0; arm < kArmCount; ++arm)
    std::printf(
        "%-13s %-24s %-24s %-26s %-22s %s\n", ArmName(arm),
        SpreadText(Values(rounds, arm, rate), "%.0f").c_str(),
        SpreadText(se::bench::Ratios(rounds, se::bench::kDetached, arm, rate), "%.3f").c_str(),
        SpreadText(Values(rounds, arm, cost), "%.0f").c_str(),
        ProgSpread(rounds, arm, runs, "%.3f").c_str(), ProgSpread(rounds, arm, ns, "%.1f").c_str());
  PrintAdded(rounds, cost, "ns per round trip");
  PrintSummary(rounds, cost,
               in_scope ? "CPU per round trip in scope" : "CPU per round trip out of scope", noisy);
}

void PrintBackground(const std::vector<Round>& rounds) {
  std::printf(
      "\nprogram runs per second with none of the benchmark's traffic (%.0f ms per arm, "
      "the rest of the host), median [interquartile]:",
      kIdleSeconds * 1000);
  for (int arm = 1; arm < kArmCount; ++arm)
    std::printf(
        "  %s %s", ArmName(arm),
        SpreadText(Values(rounds, arm, [](const Sample& s) { return s.idle_runs_per_s; }), "%.0f")
            .c_str());
  std::printf("\n");
}

void PrintRound(int round, int arm, const Sample& s) {
  std::printf("%-5d %-13s %9.0f %9.1f %7.3f %9.0f %7.3f %9.0f %7.3f %8.0f %4s %s\n", round,
              ArmName(arm), s.syn.absorbed / s.syn.seconds, s.syn.cpu_ns / s.syn.absorbed,
              RunsPer(s.syn.prog, s.syn.absorbed), s.in.pp.Rate(),
              RunsPer(s.in.prog, s.in.pp.round_trips), s.out.pp.Rate(),
              RunsPer(s.out.prog, s.out.pp.round_trips), s.idle_runs_per_s, s.foreign ? "yes" : "",
              se::bench::CpuPressureAvg10().c_str());
}

// args.rounds rounds without a foreign cgroup inet-ingress link (se::bench::RunCleanRounds).
std::vector<Round> RunRounds(Rig* rig, const Args& args) {
  rig->WarmUp();
  std::printf(
      "\nround arm               SYN/s    ns/SYN runs/SYN  in RT/s runs/RT  out RT/s "
      "runs/RT  idle r/s frgn psi10\n");
  return se::bench::RunCleanRounds<Round>(args.rounds, [rig](int r, int arm) {
    const Sample s = rig->RunArm(arm);
    PrintRound(r + 1, arm, s);
    return s;
  });
}

void PrintHeader(const Args& args, const BpfStatsOn& stats) {
  utsname u{};
  uname(&u);
  std::printf(
      "syn_hook_bench: %d rounds x %d arms (order rotating every round, backwards every other "
      "round); "
      "kernel %s, %ld "
      "CPUs online\n%s (before)\n",
      args.rounds, kArmCount, u.release, sysconf(_SC_NPROCESSORS_ONLN),
      se::bench::MachineLine().c_str());
  std::printf(
      "attached in each arm: ONLY the SYN program (syn_ingress on the cgroup v2 root, or "
      "syn_tc_ingress at tcx ingress of every interface of the server namespace), or an empty "
      "program at the same hook; TcpEventsProbe's tracepoint programs are attached in no arm\n"
      "kernel.bpf_stats_enabled: was %s, 1 for the run, restored at exit. The stats clock is in "
      "every program run: arm - detached includes it, real - empty does not\n"
      "CPU figures: CPU time of the one driving thread (SYN sender, ping-pong driver), which runs "
      "the receiving side in its own softirq\n"
      "figures: median [interquartile range] over rounds; ratios and differences are taken per "
      "round, between arms of the same round\n",
      stats.previous().c_str());
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  se::bench::Flags("syn_hook_bench",
                   "syn_hook_bench [--rounds=N] [--syns=N] [--round-trips=N] [--port=P]")
      .Int("--rounds", &a.rounds, 1, 1000)
      .Int("--syns", &a.plan.syns, 100, 10000000)
      .Int("--round-trips", &a.plan.round_trips, 100, 10000000)
      .Int("--port", &a.plan.port, 1, 65534)
      .Parse(argc, argv);
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  se::bench::StartAsRoot("syn_hook_bench", "namespaces, raw sockets, BPF");
  se::log::Setup(se::LogFormat::kLogfmt, "error");
  try {
    const double start = Now();
    BpfStatsOn stats;
    PrintHeader(args, stats);
    Rig rig(args.plan);
    const std::vector<Round> rounds = RunRounds(&rig, args);
    std::printf("tc arms attached to: %s\n", rig.TcInterfaces().c_str());
    PrintSyns(rounds, args);
    PrintTraffic(rounds, true, args);
    PrintTraffic(rounds, false, args);
    PrintBackground(rounds);
    std::printf("%s (after); %.0f s in all\n", se::bench::MachineLine().c_str(), Now() - start);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "syn_hook_bench: %s\n", e.what());
    return 1;
  }
}
