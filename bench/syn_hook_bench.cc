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

#include "bench_meters.h"
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

constexpr double kNoisySpread = 0.10;  // detached arm's interquartile range / median

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

bool Interrupted() {
  sigset_t pending;
  sigpending(&pending);
  return sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM) ||
         sigismember(&pending, SIGHUP);
}

std::string PressureAvg10() {
  std::ifstream in("/proc/pressure/cpu");
  std::string some, avg10;
  in >> some >> avg10;
  return some == "some" ? avg10.substr(avg10.find('=') + 1) : "n/a";
}

// ---- Summaries over rounds ----

using Metric = std::function<double(const Sample&)>;

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const size_t lo = static_cast<size_t>(pos), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

// "median [q1..q3]" of a figure over rounds (rounds without a value, NaN, left out).
std::string Spread(std::vector<double> v, const char* fmt) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return "-";
  char m[32], lo[32], hi[32], out[112];
  std::snprintf(m, sizeof(m), fmt, Quantile(v, 0.5));
  std::snprintf(lo, sizeof(lo), fmt, Quantile(v, 0.25));
  std::snprintf(hi, sizeof(hi), fmt, Quantile(v, 0.75));
  std::snprintf(out, sizeof(out), "%s [%s..%s]", m, lo, hi);
  return out;
}

std::vector<double> Values(const std::vector<Round>& rounds, int arm, const Metric& f) {
  std::vector<double> v;
  for (const Round& r : rounds) v.push_back(f(r[arm]));
  return v;
}

// The same for a program figure; "-" for the detached arm, which has none.
std::string ProgSpread(const std::vector<Round>& rounds, int arm, const Metric& f,
                       const char* fmt) {
  return arm == se::bench::kDetached ? "-" : Spread(Values(rounds, arm, f), fmt);
}

// Per-round f(b) - f(a), or f(b) / f(a) with ratio.
std::vector<double> Paired(const std::vector<Round>& rounds, int a, int b, const Metric& f,
                           bool ratio) {
  std::vector<double> v;
  for (const Round& r : rounds) v.push_back(ratio ? f(r[b]) / f(r[a]) : f(r[b]) - f(r[a]));
  return v;
}

// Says whether the detached arm's rate moved more than kNoisySpread over rounds.
bool NoiseCheck(const std::vector<Round>& rounds, const Metric& rate, const char* what) {
  const std::vector<double> v = Values(rounds, se::bench::kDetached, rate);
  const double median = Quantile(v, 0.5);
  const double iqr = (Quantile(v, 0.75) - Quantile(v, 0.25)) / median;
  const bool noisy = iqr > kNoisySpread;
  std::printf(
      "noise: detached %s over rounds: interquartile range %.1f %% of the median, min..max "
      "%.1f %%%s\n",
      what, 100 * iqr, 100 * (Quantile(v, 1) - Quantile(v, 0)) / median,
      noisy ? "; > 10 %: TOO NOISY, the ratios and differences below are NOT reliable"
            : "; <= 10 %");
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
                Spread(Paired(rounds, p.a, p.b, cost, false), "%+.1f").c_str());
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
    std::printf("%-13s %-26s %-26s %-22s %-24s %s\n", ArmName(arm),
                Spread(Values(rounds, arm, rate), "%.0f").c_str(),
                Spread(Values(rounds, arm, cost), "%.1f").c_str(),
                ProgSpread(rounds, arm, runs, "%.3f").c_str(),
                ProgSpread(rounds, arm, ns, "%.1f").c_str(),
                Spread(Paired(rounds, se::bench::kDetached, arm, rate, true), "%.3f").c_str());
  PrintAdded(rounds, cost, "ns per SYN");
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
    std::printf("%-13s %-24s %-24s %-26s %-22s %s\n", ArmName(arm),
                Spread(Values(rounds, arm, rate), "%.0f").c_str(),
                Spread(Paired(rounds, se::bench::kDetached, arm, rate, true), "%.3f").c_str(),
                Spread(Values(rounds, arm, cost), "%.0f").c_str(),
                ProgSpread(rounds, arm, runs, "%.3f").c_str(),
                ProgSpread(rounds, arm, ns, "%.1f").c_str());
  PrintAdded(rounds, cost, "ns per round trip");
}

void PrintBackground(const std::vector<Round>& rounds) {
  std::printf(
      "\nprogram runs per second with none of the benchmark's traffic (%.0f ms per arm, "
      "the rest of the host), median [interquartile]:",
      kIdleSeconds * 1000);
  for (int arm = 1; arm < kArmCount; ++arm)
    std::printf(
        "  %s %s", ArmName(arm),
        Spread(Values(rounds, arm, [](const Sample& s) { return s.idle_runs_per_s; }), "%.0f")
            .c_str());
  std::printf("\n");
}

void PrintRound(int round, int arm, const Sample& s) {
  std::printf("%-5d %-13s %9.0f %9.1f %7.3f %9.0f %7.3f %9.0f %7.3f %8.0f %4s %s\n", round,
              ArmName(arm), s.syn.absorbed / s.syn.seconds, s.syn.cpu_ns / s.syn.absorbed,
              RunsPer(s.syn.prog, s.syn.absorbed), s.in.pp.Rate(),
              RunsPer(s.in.prog, s.in.pp.round_trips), s.out.pp.Rate(),
              RunsPer(s.out.prog, s.out.pp.round_trips), s.idle_runs_per_s, s.foreign ? "yes" : "",
              PressureAvg10().c_str());
}

bool Foreign(const Round& r) {
  return std::any_of(r.begin(), r.end(), [](const Sample& s) { return s.foreign > 0; });
}

// Runs rounds until args.rounds of them saw no foreign cgroup inet-ingress link (that program
// would run in every arm, "detached" too), at most twice as many in all. The arms' order rotates
// every round and runs backwards in odd rounds, so no arm always follows the same one. Returns
// the clean rounds, or all of them if fewer than three were clean.
std::vector<Round> RunRounds(Rig* rig, const Args& args) {
  rig->WarmUp();
  std::printf(
      "\nround arm               SYN/s    ns/SYN runs/SYN  in RT/s runs/RT  out RT/s "
      "runs/RT  idle r/s frgn psi10\n");
  std::vector<Round> all, clean;
  for (int r = 0; static_cast<int>(clean.size()) < args.rounds && r < 2 * args.rounds; ++r) {
    Round round;
    for (int k = 0; k < kArmCount; ++k) {
      if (Interrupted()) throw MeterError("interrupted");
      if (std::ferror(stdout)) throw MeterError("cannot write the output");
      const int arm = (r + (r % 2 ? kArmCount - 1 - k : k)) % kArmCount;
      round[arm] = rig->RunArm(arm);
      PrintRound(r + 1, arm, round[arm]);
      std::fflush(stdout);
    }
    all.push_back(round);
    if (!Foreign(round)) clean.push_back(round);
  }
  std::printf(
      "rounds run %zu, kept %zu, discarded %zu (a foreign cgroup inet-ingress link was "
      "attached during the round)\n",
      all.size(), clean.size(), all.size() - clean.size());
  if (clean.size() >= 3) return clean;
  std::printf("WARNING: fewer than 3 clean rounds: the summaries below use every round\n");
  return all;
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

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "syn_hook_bench: %s (usage: syn_hook_bench [--rounds=N] [--syns=N] "
               "[--round-trips=N] [--port=P]; --flag N works too)\n",
               why.c_str());
  std::exit(2);
}

long long IntValue(const std::string& flag, const std::string& text, long long lo, long long hi) {
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < lo || v > hi)
    Usage("bad value for " + flag + ": '" + text + "' (" + std::to_string(lo) + ".." +
          std::to_string(hi) + ")");
  return v;
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i], value;
    const size_t eq = flag.find('=');
    if (eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Usage("missing value for " + flag);
    }
    if (flag == "--rounds")
      a.rounds = static_cast<int>(IntValue(flag, value, 1, 1000));
    else if (flag == "--syns")
      a.plan.syns = IntValue(flag, value, 100, 10000000);
    else if (flag == "--round-trips")
      a.plan.round_trips = IntValue(flag, value, 100, 10000000);
    else if (flag == "--port")
      a.plan.port = static_cast<uint16_t>(IntValue(flag, value, 1, 65534));
    else
      Usage("unknown argument " + flag);
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  if (geteuid() != 0) {
    std::fprintf(stderr, "syn_hook_bench: must run as root (namespaces, raw sockets, BPF)\n");
    return 1;
  }
  // Signals stay pending until the loop sees them, so every exit path unwinds the cleanup.
  sigset_t stop;
  sigemptyset(&stop);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop, sig);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed output pipe fails the next write instead of killing
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
