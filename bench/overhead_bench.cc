// Overhead of the tcp_events programs on a loopback connect/accept/close storm. Four arms
// alternate every fraction of a second in one process, the order rotating per round: detached,
// the empty programs on the same hooks (the floor any program pays), the real programs, and the
// real programs with --attribution=cgroup (a second object, attached only in its own arm).
// Slow drift of a shared machine hits all arms alike. Runs in a network namespace of its own
// (unshare), with the real BPF programs scoped to it.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "bench_cli.h"
#include "bench_meters.h"
#include "bench_netns.h"
#include "bench_stats.h"
#include "collectors/workload_families.h"
#include "config/options.h"
#include "floor_arms.h"
#include "logging/log.h"
#include "probes/tcp_events_probe.h"
#include "system/cgroup_tree.h"

namespace {

using se::bench::kArmDetached;
using se::bench::kArmEmpty;
using se::bench::kArmExporter;
using se::bench::kFloorArms;
using se::bench::MeterError;
using se::bench::Spread;
using se::bench::SpreadOf;

// The fourth arm: the exporter's programs with per-workload attribution.
constexpr int kArmAttribution = kFloorArms;
constexpr int kArms = kFloorArms + 1;

// A storm counts as quiet when other work kept less than this many CPUs busy meanwhile.
constexpr double kQuietCpus = 0.25;
constexpr double kTargetRatio = 0.97;         // exporter / detached
constexpr double kTargetDistance = 1.5;       // points of the ratio between empty and exporter
constexpr double kTargetAttributionNs = 150;  // attribution over exporter, ns per connection

struct Args {
  int rounds = 40;
  int connections = 8000;
  uint32_t conn_table_bits = SE_CONN_TABLE_BITS;
  uint16_t port = 8080;
  bool bpf_stats = false;  // kernel.bpf_stats_enabled during the run: runs and ns per program
};

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// A private namespace with lo up and no TIME_WAIT table, so storms never run out of ports.
uint32_t EnterPrivateNetns() {
  const uint32_t ino = se::bench::EnterPrivateNetns();
  se::bench::WriteFile("/proc/sys/net/ipv4/tcp_max_tw_buckets", "0");
  return ino;
}

int Listen(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const sockaddr_in a = se::bench::Loopback(port);
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
  const sockaddr_in a = se::bench::Loopback(port);
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

// Everything a round needs: the namespace's listener, the meter, the three program sets.
struct Rig {
  se::bench::IdleMeter meter;
  std::unique_ptr<se::TcpEventsProbe> probe;
  std::unique_ptr<se::TcpEventsProbe> attribution;  // the same config with attribution on
  se::bench::EmptyPrograms empty;
  int listener = -1;

  void Attach(int arm) {
    std::string error;
    if (arm == kArmEmpty) empty.Attach();
    if (arm == kArmExporter && !probe->Attach(true, se::DefaultAttach(), &error))
      throw MeterError(error);
    if (arm == kArmAttribution && !attribution->Attach(true, se::DefaultAttach(), &error))
      throw MeterError(error);
  }
  void Detach() {
    empty.Detach();
    probe->Detach();
    attribution->Detach();
  }
};

// Order of the arms in a round: a Williams square (first row D E A X, shifted by one arm each
// round), so in every 4 rounds each arm takes each position once and follows each other arm
// once; FloorOrder's rotate-and-reverse balances only three arms.
std::array<int, kArms> ArmOrder(int round) {
  static constexpr int kFirst[kArms] = {kArmDetached, kArmEmpty, kArmAttribution, kArmExporter};
  std::array<int, kArms> order{};
  for (int i = 0; i < kArms; ++i) order[i] = (kFirst[i] + round) % kArms;
  return order;
}

std::string ArmOrderName(int round) {
  static const char kLetter[kArms] = {'D', 'E', 'X', 'A'};
  std::string name;
  for (int arm : ArmOrder(round)) name += kLetter[arm];
  return name;
}

struct Round {
  std::array<Storm, kArms> arm;
  double Ratio(int a) const { return arm[a].cps / arm[kArmDetached].cps; }
  // Points of the ratio the exporter lies below the empty arm.
  double Distance() const { return 100 * (Ratio(kArmEmpty) - Ratio(kArmExporter)); }
  // What arm a adds to arm b per connection, in ns (each connection: connect, accept, close).
  double AddedNs(int a, int b) const { return 1e9 / arm[a].cps - 1e9 / arm[b].cps; }
  double OtherCpus() const {
    double m = 0;
    for (const Storm& s : arm) m = std::max(m, s.other_cpus);
    return m;
  }
};

Round RunRound(Rig* rig, const Args& args, int r) {
  Round round;
  for (int arm : ArmOrder(r)) {
    rig->Attach(arm);
    round.arm[arm] = RunStorm(&rig->meter, rig->listener, args.port, args.connections);
    rig->Detach();
  }
  std::printf("%-5d %-5s %-9.0f %-9.0f %-9.0f %-9.0f %.3f  %.3f  %.3f  %+6.2f  %+7.1f  %.2f\n",
              r + 1, ArmOrderName(r).c_str(), round.arm[kArmDetached].cps, round.arm[kArmEmpty].cps,
              round.arm[kArmExporter].cps, round.arm[kArmAttribution].cps, round.Ratio(kArmEmpty),
              round.Ratio(kArmExporter), round.Ratio(kArmAttribution), round.Distance(),
              round.AddedNs(kArmAttribution, kArmExporter), round.OtherCpus());
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

// Prints the rounds and each arm's rate; returns the noise verdict ("" if the run may present
// ratios as results).
std::string PrintRates(const std::vector<Round>& rounds) {
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
  PrintSpread("attribution cps",
              SpreadOf(Column(rounds, [](const Round& r) { return r.arm[kArmAttribution].cps; })),
              "%.0f");
  char what[96];
  std::snprintf(what, sizeof(what), "rest of the machine < %.2f CPUs", kQuietCpus);
  const std::string noisy = se::bench::NoiseVerdict(detached, quiet, rounds.size(), what);
  if (!noisy.empty()) std::printf("%s; no ratios presented as results\n", noisy.c_str());
  return noisy;
}

void PrintExporterSummary(const std::vector<Round>& rounds, const std::string& noisy) {
  if (!noisy.empty()) {
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

// The attribution arm against the exporter arm of the same round, in ns per connection; the
// empty arm's own ns over detached is the floor, for scale.
void PrintAttributionSummary(const std::vector<Round>& rounds, const std::string& noisy) {
  if (!noisy.empty()) {
    std::printf("summary | attribution cost per connection | <= %.0f ns | - | - | - | %s\n",
                kTargetAttributionNs, noisy.c_str());
    std::printf("%s\n", se::bench::MachineLine().c_str());
    return;
  }
  const Spread ratio =
      SpreadOf(Column(rounds, [](const Round& r) { return r.Ratio(kArmAttribution); }));
  const Spread floor =
      SpreadOf(Column(rounds, [](const Round& r) { return r.AddedNs(kArmEmpty, kArmDetached); }));
  const Spread exporter = SpreadOf(
      Column(rounds, [](const Round& r) { return r.AddedNs(kArmExporter, kArmDetached); }));
  const Spread cost = SpreadOf(
      Column(rounds, [](const Round& r) { return r.AddedNs(kArmAttribution, kArmExporter); }));
  PrintSpread("per-round attribution/detached", ratio, "%.4f");
  PrintSpread("empty - detached (ns/conn.)", floor, "%+.1f");
  PrintSpread("exporter - detached (ns/conn.)", exporter, "%+.1f");
  PrintSpread("attribution - exporter (ns/conn.)", cost, "%+.1f");
  const bool met = cost.median <= kTargetAttributionNs;
  std::printf("target: attribution %+.1f ns per connection <= %.0f: %s\n", cost.median,
              kTargetAttributionNs, met ? "met" : "NOT met");
  std::printf(
      "summary | attribution cost per connection | <= %.0f ns | %+.1f ns [%+.1f..%+.1f], "
      "%.4f of detached | %+.1f ns | - | %s\n",
      kTargetAttributionNs, cost.median, cost.q1, cost.q3, ratio.median, floor.median,
      met ? "met" : "NOT met");
  std::printf("%s\n", se::bench::MachineLine().c_str());
}

void PrintSummary(const std::vector<Round>& rounds) {
  const std::string noisy = PrintRates(rounds);
  PrintExporterSummary(rounds, noisy);
  PrintAttributionSummary(rounds, noisy);
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

// Per-workload attribution sized as the daemon sizes it with the default flags
// (ConfigureAttribution: --workloads.max 128 plus "other", --metrics.max-series 20000).
se::TcpEventsConfig WithAttribution(se::TcpEventsConfig config) {
  config.attribution = true;
  config.max_workloads = se::kDefaultWorkloadsMax + 1;
  config.cells = std::min<uint32_t>(SE_MAX_CELLS - config.max_slots,
                                    se::kDefaultMaxSeries / se::SeriesPerCell());
  return config;
}

// The workload slot of this process's connections: 1 ("host") in the root cgroup, else the
// first slot of the free queue (2), as nothing else connects in the namespace. *path is the
// process's cgroup, *id its id (0 if unreadable).
uint32_t OwnWorkloadSlot(std::string* path, uint64_t* id) {
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("0::", 0) != 0) continue;
    *path = line.substr(3);
    const std::string root = se::Cgroup2Root();
    *id = root.empty() ? 0 : se::CgroupIdOf(root + *path);
    const bool in_root = *id ? *id == se::kRootCgroupId : *path == "/";
    return in_root ? SE_WORKLOAD_HOST : SE_WORKLOAD_HOST + 1;
  }
  throw MeterError("no cgroup v2 entry in /proc/self/cgroup (attribution needs cgroup v2)");
}

// Throws unless the attribution arm counted one accept per connection of its storms on the
// storm port, all under this process's workload slot: a cheap arm that misses is no result.
void CheckAttribution(const se::KernelSnapshot& snap, uint16_t port, uint64_t connections) {
  std::string path;
  uint64_t id = 0;
  const uint32_t slot = OwnWorkloadSlot(&path, &id);
  const std::string label = snap.ports.Label(port);
  uint64_t total = 0, own = 0;
  std::string by_slot;
  for (const se::WorkloadCounters& w : snap.workloads) {
    if (w.port != label || !w.counters.accepts) continue;
    total += w.counters.accepts;
    if (w.workload == slot) own += w.counters.accepts;
    by_slot += " " + std::to_string(w.workload) + "=" + std::to_string(w.counters.accepts);
  }
  const uint64_t kernel_id = slot < snap.workload_cgroups.size() ? snap.workload_cgroups[slot] : 0;
  char line[512];
  std::snprintf(line, sizeof(line),
                "attribution arm: %llu accepts on port %s for %llu connections, %llu under "
                "workload slot %u (cgroup %s, id %llu; the kernel's id for the slot %llu); "
                "accepts by slot:%s; folded into \"other\": %llu",
                static_cast<unsigned long long>(total), label.c_str(),
                static_cast<unsigned long long>(connections), static_cast<unsigned long long>(own),
                slot, path.c_str(), static_cast<unsigned long long>(id),
                static_cast<unsigned long long>(kernel_id),
                by_slot.empty() ? " none" : by_slot.c_str(),
                static_cast<unsigned long long>(snap.workload_folds));
  if (total != connections || own != connections || (id && kernel_id != id))
    throw MeterError(std::string(line) + ": expected every connection once, under that slot");
  std::printf("%s\n", line);
}

void Run(const Args& args) {
  se::TcpEventsConfig config;
  config.netns_ino = EnterPrivateNetns();
  config.max_slots = 129;
  config.conn_table_bits = args.conn_table_bits;
  std::string error;
  auto probe = se::TcpEventsProbe::Open(config, &error);
  if (!probe) throw MeterError(error);
  const se::TcpEventsConfig attributed = WithAttribution(config);
  auto attribution = se::TcpEventsProbe::Open(attributed, &error);
  if (!attribution) throw MeterError("with attribution: " + error);
  Rig rig{se::bench::IdleMeter(), std::move(probe), std::move(attribution), {}, -1};
  rig.listener = Listen(args.port);
  RunStorm(&rig.meter, rig.listener, args.port, args.connections / 4);  // warm up
  rig.Attach(kArmExporter);  // no storm: only which programs attach
  se::bench::CheckFloorCovers(rig.probe->Snapshot().programs);
  rig.Detach();
  std::printf("%s\ncpu time source: %s\n", se::bench::MachineLine().c_str(),
              rig.meter.Source().c_str());
  std::printf(
      "order: D detached, E empty programs on the same hooks, X exporter programs, "
      "A exporter programs with --attribution=cgroup (%u workload slots, %u cells)\n",
      attributed.max_workloads, attributed.cells);
  std::printf(
      "round order D_cps     E_cps     X_cps     A_cps     E/D    X/D    A/D    E-X pts "
      "A-X ns   rest_cpus\n");
  std::vector<Round> rounds;
  for (int r = 0; r < args.rounds; ++r) rounds.push_back(RunRound(&rig, args, r));
  close(rig.listener);
  const double connections = static_cast<double>(rounds.size()) * args.connections;
  CheckAttribution(rig.attribution->Snapshot(), args.port, static_cast<uint64_t>(connections));
  PrintSummary(rounds);
  if (args.bpf_stats) {
    std::printf("\n");
    // Each program set is attached only in its own arm: its counts cover that arm's storms.
    se::bench::PrintProgramStats("empty", rig.empty.Stats(), connections, "connection");
    se::bench::PrintProgramStats("exporter", rig.probe->Snapshot().programs, connections,
                                 "connection");
    se::bench::PrintProgramStats("attribution", rig.attribution->Snapshot().programs,
                                 connections, "connection");
    std::printf("%s\n", se::bench::MachineLine().c_str());
  }
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
