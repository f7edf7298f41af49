// Overhead of the tcp_events programs on a loopback connect/accept/close storm. Three arms
// alternate every fraction of a second in one process, the order rotating per round: detached,
// the empty programs on the same hooks (the floor any program pays), and the real programs.
// Slow drift of a shared machine hits all arms alike. Runs in a network namespace of its own
// (unshare), with the real BPF programs scoped to it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "bench_cli.h"
#include "bench_meters.h"
#include <bpf/bpf.h>

#include "bench_stats.h"
#include "floor_arms.h"
#include "logging/log.h"
#include "probes/tcp_events_probe.h"

namespace {

using se::bench::kArmDetached;
using se::bench::kArmEmpty;
using se::bench::kArmExporter;
using se::bench::kFloorArms;
using se::bench::MeterError;
using se::bench::Spread;
using se::bench::SpreadOf;

// A storm counts as quiet when other work kept less than this many CPUs busy meanwhile.
constexpr double kQuietCpus = 0.25;
constexpr double kTargetRatio = 0.97;    // exporter / detached
constexpr double kTargetDistance = 1.5;  // points of the ratio between empty and exporter

struct Args {
  int rounds = 40;
  int connections = 8000;
  uint32_t conn_table_bits = SE_CONN_TABLE_BITS;
  uint16_t port = 8080;
  bool bpf_stats = false;  // kernel.bpf_stats_enabled during the run: runs and ns per program
};

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

void WriteFile(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  if (!out) throw MeterError(Errno("cannot write " + path));
}

// A private namespace with lo up and no TIME_WAIT table, so storms never run out of ports.
uint32_t EnterPrivateNetns() {
  if (unshare(CLONE_NEWNET) != 0) throw MeterError(Errno("unshare(CLONE_NEWNET) (run as root)"));
  if (std::system("ip link set lo up") != 0) throw MeterError("ip link set lo up failed");
  WriteFile("/proc/sys/net/ipv4/tcp_max_tw_buckets", "0");
  struct stat st;
  if (stat("/proc/self/ns/net", &st) != 0) throw MeterError(Errno("stat /proc/self/ns/net"));
  return static_cast<uint32_t>(st.st_ino);
}

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int Listen(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const sockaddr_in a = Loopback(port);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 1024) != 0)
    throw MeterError(Errno("listen"));
  return fd;
}

// One storm and what the rest of the machine did meanwhile.
struct Storm {
  double cps = 0;
  double other_cpus = 0;  // machine busy minus this thread's CPU time, in CPUs
};

// One thread connects, accepts its own connection and closes both (server first).
Storm RunStorm(se::bench::IdleMeter* meter, int listener, uint16_t port, int n) {
  const sockaddr_in a = Loopback(port);
  const double idle0 = meter->IdleNs(), t0 = se::bench::Now(), cpu0 = se::bench::ThreadCpuNs();
  for (int i = 0; i < n; ++i) {
    const int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(c, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0)
      throw MeterError(Errno("connect"));
    const int s = accept(listener, nullptr, nullptr);
    if (s < 0) throw MeterError(Errno("accept"));
    close(s);
    close(c);
  }
  const double cpu1 = se::bench::ThreadCpuNs(), t1 = se::bench::Now();
  const double idle1 = meter->IdleNs(), t2 = se::bench::Now();
  const double busy = meter->cpus() * (t2 - t0) * 1e9 - (idle1 - idle0);
  return {n / (t1 - t0), (busy - (cpu1 - cpu0)) / ((t2 - t0) * 1e9)};
}

// Everything a round needs: the namespace's listener, the meter, both program sets.
struct Rig {
  se::bench::IdleMeter meter;
  std::unique_ptr<se::TcpEventsProbe> probe;
  se::bench::EmptyPrograms empty;
  int listener = -1;

  void Attach(int arm) {
    std::string error;
    if (arm == kArmEmpty) empty.Attach();
    if (arm == kArmExporter && !probe->Attach(true, se::DefaultAttach(), &error))
      throw MeterError(error);
  }
  void Detach() {
    empty.Detach();
    probe->Detach();
  }
};

struct Round {
  std::array<Storm, kFloorArms> arm;
  double Ratio(int a) const { return arm[a].cps / arm[kArmDetached].cps; }
  // Points of the ratio the exporter lies below the empty arm.
  double Distance() const { return 100 * (Ratio(kArmEmpty) - Ratio(kArmExporter)); }
  double OtherCpus() const {
    double m = 0;
    for (const Storm& s : arm) m = std::max(m, s.other_cpus);
    return m;
  }
};

Round RunRound(Rig* rig, const Args& args, int r) {
  Round round;
  for (int arm : se::bench::FloorOrder(r)) {
    rig->Attach(arm);
    round.arm[arm] = RunStorm(&rig->meter, rig->listener, args.port, args.connections);
    rig->Detach();
  }
  std::printf("%-5d %-5s %-9.0f %-9.0f %-9.0f %.3f  %.3f  %+6.2f  %.2f\n", r + 1,
              se::bench::FloorOrderName(r).data(), round.arm[kArmDetached].cps,
              round.arm[kArmEmpty].cps, round.arm[kArmExporter].cps, round.Ratio(kArmEmpty),
              round.Ratio(kArmExporter), round.Distance(), round.OtherCpus());
  std::fflush(stdout);
  return round;
}

void PrintSpread(const char* what, const Spread& s, const char* format) {
  std::printf("%-34s median ", what);
  std::printf(format, s.median);
  std::printf("  (interquartile ");
  std::printf(format, s.q1);
  std::printf(" .. ");
  std::printf(format, s.q3);
  std::printf(")\n");
}

std::vector<double> Column(const std::vector<Round>& rounds, double (*f)(const Round&)) {
  std::vector<double> v;
  for (const Round& r : rounds) v.push_back(f(r));
  return v;
}

void PrintSummary(const std::vector<Round>& rounds) {
  int quiet = 0;
  for (const Round& r : rounds) quiet += r.OtherCpus() < kQuietCpus;
  const auto detached = Column(rounds, [](const Round& r) { return r.arm[kArmDetached].cps; });
  std::printf("\n%zu rounds, %d quiet (rest of the machine < %.2f CPUs in every storm)\n",
              rounds.size(), quiet, kQuietCpus);
  PrintSpread("detached cps", SpreadOf(detached), "%.0f");
  PrintSpread("empty cps",
              SpreadOf(Column(rounds, [](const Round& r) { return r.arm[kArmEmpty].cps; })),
              "%.0f");
  PrintSpread("exporter cps",
              SpreadOf(Column(rounds, [](const Round& r) { return r.arm[kArmExporter].cps; })),
              "%.0f");
  char what[96];
  std::snprintf(what, sizeof(what), "rest of the machine < %.2f CPUs", kQuietCpus);
  const std::string noisy = se::bench::NoiseVerdict(detached, quiet, rounds.size(), what);
  if (!noisy.empty()) {
    std::printf("%s; no ratios presented as results\n", noisy.c_str());
    std::printf(
        "summary | loopback connect storm, rate | >= %.2f of detached, <= %.1f points "
        "from the empty arm | - | - | - | %s\n",
        kTargetRatio, kTargetDistance, noisy.c_str());
    return;
  }
  const Spread empty = SpreadOf(Column(rounds, [](const Round& r) { return r.Ratio(kArmEmpty); }));
  const Spread ratio =
      SpreadOf(Column(rounds, [](const Round& r) { return r.Ratio(kArmExporter); }));
  const Spread distance = SpreadOf(Column(rounds, [](const Round& r) { return r.Distance(); }));
  PrintSpread("per-round empty/detached", empty, "%.4f");
  PrintSpread("per-round exporter/detached", ratio, "%.4f");
  PrintSpread("per-round empty - exporter (points)", distance, "%+.2f");
  std::printf(
      "targets: exporter/detached %.4f >= %.2f: %s; %.2f points from the empty arm "
      "<= %.1f: %s\n",
      ratio.median, kTargetRatio, ratio.median >= kTargetRatio ? "met" : "NOT met", distance.median,
      kTargetDistance, distance.median <= kTargetDistance ? "met" : "NOT met");
  const bool met = ratio.median >= kTargetRatio && distance.median <= kTargetDistance;
  std::printf(
      "summary | loopback connect storm, rate | >= %.2f of detached, <= %.1f points "
      "from the empty arm | %.4f of detached (%+.2f points) | %.4f | - | %s\n",
      kTargetRatio, kTargetDistance, ratio.median, -distance.median, empty.median,
      met ? "met" : "NOT met");
}

// Where an arm's time went, per program: runs per connection and ns per run (the kernel's
// run-time statistics, which include reading the clock twice per run). Each program set is
// attached only in its own arm, so its counts cover exactly that arm's storms.
void PrintProgramStats(const char* arm, const std::vector<se::ProgramStats>& programs,
                       double connections) {
  double total_runs = 0, total_ns = 0;
  std::printf("bpf stats of the %s arm (%.0f connections; clock reads included):\n", arm,
              connections);
  for (const se::ProgramStats& s : programs) {
    if (!s.run_count) continue;
    std::printf("  %-24s %6.2f runs per connection  %7.1f ns per run  %7.1f ns per connection\n",
                s.probe.c_str(), s.run_count / connections,
                static_cast<double>(s.run_time_ns) / s.run_count, s.run_time_ns / connections);
    total_runs += s.run_count;
    total_ns += s.run_time_ns;
  }
  if (total_runs)
    std::printf("  %-24s %6.2f runs per connection  %7.1f ns per run  %7.1f ns per connection\n",
                "all", total_runs / connections, total_ns / total_runs, total_ns / connections);
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  se::bench::Flags("overhead_bench",
                   "overhead_bench [--rounds=N>=2 (alias --pairs)] "
                   "[--connections=N] [--conn-table-bits=1.." +
                       std::to_string(SE_CONN_TABLE_MAX_BITS) + "] [--bpf-stats]")
      .Int("--rounds", &a.rounds, 2, 100000)
      .Int("--pairs", &a.rounds, 2, 100000)
      .Int("--connections", &a.connections, 100, 100000000)
      .Int("--conn-table-bits", &a.conn_table_bits, 1, SE_CONN_TABLE_MAX_BITS)
      .Switch("--bpf-stats", &a.bpf_stats)
      .Parse(argc, argv);
  return a;
}

void Run(const Args& args) {
  se::TcpEventsConfig config;
  config.netns_ino = EnterPrivateNetns();
  config.max_slots = 129;
  config.conn_table_bits = args.conn_table_bits;
  std::string error;
  Rig rig{se::bench::IdleMeter(), se::TcpEventsProbe::Open(config, &error), {}, -1};
  if (!rig.probe) throw MeterError(error);
  rig.listener = Listen(args.port);
  RunStorm(&rig.meter, rig.listener, args.port, args.connections / 4);  // warm up
  std::printf("%s\ncpu time source: %s\n", se::bench::MachineLine().c_str(),
              rig.meter.Source().c_str());
  std::printf("order: D detached, E empty programs on the same hooks, X exporter programs\n");
  std::printf("round order D_cps     E_cps     X_cps     E/D    X/D    E-X pts rest_cpus\n");
  std::vector<Round> rounds;
  for (int r = 0; r < args.rounds; ++r) rounds.push_back(RunRound(&rig, args, r));
  PrintSummary(rounds);
  close(rig.listener);
  if (args.bpf_stats) {
    const double connections = static_cast<double>(rounds.size()) * args.connections;
    std::printf("\n");
    PrintProgramStats("empty", rig.empty.Stats(), connections);
    PrintProgramStats("exporter", rig.probe->Snapshot().programs, connections);
  }
  std::printf("%s\n", se::bench::MachineLine().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  se::log::Setup(se::LogFormat::kLogfmt, "error");
  try {
    int stats_fd = -1;
    if (args.bpf_stats && (stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME)) < 0)
      throw MeterError(Errno("bpf_enable_stats"));
    Run(args);
    if (stats_fd >= 0) close(stats_fd);  // stats stop when the last such descriptor closes
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "overhead_bench: %s\n", e.what());
    return 1;
  }
}
