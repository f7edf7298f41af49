// Overhead of the exporter's programs on a loopback UDP datagram storm (64-byte datagrams, one
// sender and one receiver that reads every datagram). Three arms alternate in one process, the
// order rotating per round (FloorOrder): detached, the empty programs on the same hooks (the
// floor any program pays) and the exporter's programs (TcpEventsProbe with the cgroup SYN hook,
// scoped to the benchmark's own network namespace). Per datagram the exporter runs udp_send on
// the sender's sock:sock_send_length tracepoint and syn_ingress (which counts UDP too) on the
// receiver's cgroup_skb ingress. The namespace's snmp counters show whether every datagram arrived, and
// the exporter's own counters must equal the datagrams of its arm.
#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "bench_cli.h"
#include "bench_meters.h"
#include "bench_netns.h"
#include "bench_stats.h"
#include "floor_arms.h"
#include "logging/log.h"
#include "probes/tcp_events_probe.h"
#include "udp_storm.h"

namespace {

using se::bench::kArmDetached;
using se::bench::kArmEmpty;
using se::bench::kArmExporter;
using se::bench::kFloorArms;
using se::bench::MeterError;
using se::bench::Spread;
using se::bench::SpreadOf;
using se::bench::UdpStorm;

constexpr int kPayload = 64;        // bytes of each datagram's payload
constexpr double kQuietCpus = 0.25;  // a storm is quiet when the rest of the machine used less
constexpr double kTargetRatio = 0.97;  // exporter / detached

struct Args {
  int rounds = 30;
  int datagrams = 100000;  // per storm
  int batch = 32;          // datagrams per sendmmsg() and recvmmsg(); 1: send() and recv()
  int port = 9000;
  bool bpf_stats = false;
};

struct Rig {
  se::bench::IdleMeter meter;
  std::unique_ptr<se::TcpEventsProbe> probe;
  se::bench::EmptyPrograms empty;
  std::unique_ptr<se::bench::UdpStormRig> storm;

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
  std::array<UdpStorm, kFloorArms> arm;
  double Ratio(int a) const { return arm[a].dps / arm[kArmDetached].dps; }
  // Points of the ratio the exporter lies below the empty arm.
  double Distance() const { return 100 * (Ratio(kArmEmpty) - Ratio(kArmExporter)); }
  // What arm a adds to arm b per datagram (sent and received), in ns.
  double AddedNs(int a, int b) const { return 1e9 / arm[a].dps - 1e9 / arm[b].dps; }
  double OtherCpus() const {
    double m = 0;
    for (const UdpStorm& s : arm) m = std::max(m, s.other_cpus);
    return m;
  }
  bool Foreign() const {
    return std::any_of(arm.begin(), arm.end(), [](const UdpStorm& s) { return s.foreign; });
  }
};

Round RunRound(Rig* rig, const Args& args, int r) {
  Round round;
  for (int arm : se::bench::FloorOrder(r)) {
    rig->Attach(arm);
    round.arm[arm] = rig->storm->Run(&rig->meter, args.datagrams, arm == kArmDetached ? 0 : 1);
    rig->Detach();
  }
  std::printf("%-5d %-5s %-9.0f %-9.0f %-9.0f %.4f  %.4f  %+6.2f  %+7.1f  %.2f%s\n", r + 1,
              se::bench::FloorOrderName(r).data(), round.arm[kArmDetached].dps,
              round.arm[kArmEmpty].dps, round.arm[kArmExporter].dps, round.Ratio(kArmEmpty),
              round.Ratio(kArmExporter), round.Distance(), round.AddedNs(kArmExporter, kArmDetached),
              round.OtherCpus(), round.Foreign() ? "  foreign cgroup link: discarded" : "");
  std::fflush(stdout);
  return round;
}

// Runs rounds until args.rounds of them saw no foreign cgroup inet link (it would run in every
// arm, detached too), at most twice as many in all.
std::vector<Round> RunRounds(Rig* rig, const Args& args) {
  std::vector<Round> kept;
  int run = 0;
  for (; static_cast<int>(kept.size()) < args.rounds && run < 2 * args.rounds; ++run) {
    if (se::bench::Interrupted()) throw MeterError("interrupted");
    const Round round = RunRound(rig, args, run);
    if (!round.Foreign()) kept.push_back(round);
  }
  std::printf("\nrounds run %d, kept %zu, discarded %zu (a foreign cgroup inet link)\n", run,
              kept.size(), run - kept.size());
  if (kept.empty()) throw MeterError("every round saw a foreign cgroup inet link");
  return kept;
}

std::vector<double> Column(const std::vector<Round>& rounds, double (*f)(const Round&)) {
  std::vector<double> v;
  for (const Round& r : rounds) v.push_back(f(r));
  return v;
}

void PrintSpread(const char* what, const Spread& s, const char* format) {
  std::printf("%-38s median %s (interquartile)\n", what, s.Format(format).c_str());
}

// "" if no datagram went missing in any arm, by the benchmark's count and the kernel's; else
// what went missing. Prints each arm's totals.
std::string CheckDelivery(const std::vector<Round>& rounds) {
  std::string lost;
  for (int a = 0; a < kFloorArms; ++a) {
    uint64_t sent = 0, received = 0;
    se::bench::UdpCounts k{};
    for (const Round& r : rounds) {
      sent += r.arm[a].sent;
      received += r.arm[a].received;
      se::bench::Add(&k, r.arm[a].kernel);
    }
    std::printf("%-8s sent %llu, received %llu; kernel:", se::bench::FloorArmName(a),
                static_cast<unsigned long long>(sent), static_cast<unsigned long long>(received));
    for (int f = 0; f < se::bench::kUdpFields; ++f)
      std::printf(" %s %llu", se::bench::UdpFieldName(f), static_cast<unsigned long long>(k[f]));
    std::printf("\n");
    const bool whole = received == sent && k[se::bench::kUdpOutDatagrams] == sent &&
                       k[se::bench::kUdpInDatagrams] == sent &&
                       k[se::bench::kUdpRcvbufErrors] + k[se::bench::kUdpInErrors] +
                               k[se::bench::kUdpNoPorts] + k[se::bench::kUdpSndbufErrors] +
                               k[se::bench::kUdpMemErrors] ==
                           0;
    if (!whole) lost += std::string(lost.empty() ? "" : ", ") + se::bench::FloorArmName(a);
  }
  if (!lost.empty()) return "datagrams lost or miscounted in the " + lost + " arm(s)";
  std::printf("every datagram sent was received, by the benchmark's count and the kernel's\n");
  return "";
}

// Throws unless the exporter's counters at the storm port equal the datagrams of its arm, sent
// (a client's, outbound) and received (the server's, inbound): an arm that misses is no result.
void CheckCounted(const se::TcpEventsProbe& probe, const std::vector<Round>& rounds,
                  uint16_t port) {
  uint64_t want = 0;
  for (const Round& r : rounds) want += r.arm[kArmExporter].received;
  const se::KernelSnapshot snap = probe.CountersSnapshot();
  const std::string label = snap.ports.Label(port);
  uint64_t sent = 0, received = 0;
  for (const se::LabelledCounters& c : snap.counters) {
    if (c.port != label) continue;
    sent += c.counters.udp_sent_datagrams[SE_DIR_OUTBOUND];
    received += c.counters.udp_received_datagrams[SE_DIR_INBOUND];
  }
  char line[256];
  std::snprintf(line, sizeof(line),
                "exporter arm: udp_sent_datagrams{port=\"%s\",outbound} %llu, "
                "udp_received_datagrams{port=\"%s\",inbound} %llu, for %llu datagrams",
                label.c_str(), static_cast<unsigned long long>(sent), label.c_str(),
                static_cast<unsigned long long>(received), static_cast<unsigned long long>(want));
  if (sent != want || received != want)
    throw MeterError(std::string(line) + ": expected each datagram once on either side");
  std::printf("%s\n", line);
}

// Prints each arm's rate; returns the verdict that keeps ratios from being presented ("" if
// the run may present them): too few rounds, too noisy, or datagrams lost.
std::string PrintRates(const std::vector<Round>& rounds) {
  int quiet = 0;
  for (const Round& r : rounds) quiet += r.OtherCpus() < kQuietCpus;
  const auto detached = Column(rounds, [](const Round& r) { return r.arm[kArmDetached].dps; });
  std::printf("%zu rounds, %d quiet (rest of the machine < %.2f CPUs in every storm)\n",
              rounds.size(), quiet, kQuietCpus);
  PrintSpread("detached datagrams/s", SpreadOf(detached), "%.0f");
  PrintSpread("empty datagrams/s",
              SpreadOf(Column(rounds, [](const Round& r) { return r.arm[kArmEmpty].dps; })),
              "%.0f");
  PrintSpread("exporter datagrams/s",
              SpreadOf(Column(rounds, [](const Round& r) { return r.arm[kArmExporter].dps; })),
              "%.0f");
  char what[96];
  std::snprintf(what, sizeof(what), "rest of the machine < %.2f CPUs", kQuietCpus);
  std::string verdict = se::bench::NoiseVerdict(detached, quiet, rounds.size(), what);
  const std::string lost = CheckDelivery(rounds);
  if (verdict.empty()) verdict = lost;
  if (!verdict.empty()) std::printf("%s; no ratios presented as results\n", verdict.c_str());
  return verdict;
}

void PrintSummary(const std::vector<Round>& rounds, const Args& args) {
  const std::string verdict = PrintRates(rounds);
  char figure[128];
  std::snprintf(figure, sizeof(figure), "loopback UDP storm, %d-byte datagrams, batch %d, rate",
                kPayload, args.batch);
  if (!verdict.empty()) {
    std::printf("summary | %s | >= %.2f of detached | - | - | - | %s\n", figure, kTargetRatio,
                verdict.c_str());
    return;
  }
  const Spread empty = SpreadOf(Column(rounds, [](const Round& r) { return r.Ratio(kArmEmpty); }));
  const Spread ratio =
      SpreadOf(Column(rounds, [](const Round& r) { return r.Ratio(kArmExporter); }));
  const Spread distance = SpreadOf(Column(rounds, [](const Round& r) { return r.Distance(); }));
  const Spread floor_ns =
      SpreadOf(Column(rounds, [](const Round& r) { return r.AddedNs(kArmEmpty, kArmDetached); }));
  const Spread own_ns =
      SpreadOf(Column(rounds, [](const Round& r) { return r.AddedNs(kArmExporter, kArmEmpty); }));
  PrintSpread("per-round empty/detached", empty, "%.4f");
  PrintSpread("per-round exporter/detached", ratio, "%.4f");
  PrintSpread("per-round empty - exporter (points)", distance, "%+.2f");
  PrintSpread("empty - detached (ns/datagram)", floor_ns, "%+.1f");
  PrintSpread("exporter - empty (ns/datagram)", own_ns, "%+.1f");
  const bool met = ratio.median >= kTargetRatio;
  std::printf("target: exporter/detached %.4f >= %.2f: %s\n", ratio.median, kTargetRatio,
              met ? "met" : "NOT met");
  std::printf(
      "summary | %s | >= %.2f of detached | %.4f of detached [%.4f..%.4f] (%+.2f points from "
      "the empty arm, %+.1f ns/datagram over it) | %.4f | - | %s\n",
      figure, kTargetRatio, ratio.median, ratio.q1, ratio.q3, -distance.median, own_ns.median,
      empty.median, met ? "met" : "NOT met");
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  se::bench::Flags("udp_storm_bench",
                   "udp_storm_bench [--rounds=N>=2] [--datagrams=N per storm] "
                   "[--batch=1..1024] [--port=P] [--bpf-stats]")
      .Int("--rounds", &a.rounds, 2, 100000)
      .Int("--datagrams", &a.datagrams, 100, 100000000)
      .Int("--batch", &a.batch, 1, 1024)
      .Int("--port", &a.port, 1024, 32767)  // below the ephemeral range: a service port
      .Switch("--bpf-stats", &a.bpf_stats)
      .Parse(argc, argv);
  return a;
}

void PrintHeader(const Rig& rig, const Args& args) {
  std::printf("%s (before)\ncpu time source: %s\n", se::bench::MachineLine().c_str(),
              rig.meter.Source().c_str());
  std::printf(
      "storm: %d datagrams of %d bytes from a connected socket to 127.0.0.1:%d, %s, the "
      "receiver reading each batch before the next is sent\n",
      args.datagrams, kPayload, args.port,
      args.batch == 1 ? "send() and recv() per datagram"
                      : ("sendmmsg()/recvmmsg() of " + std::to_string(args.batch)).c_str());
  std::printf(
      "order: D detached, E empty programs on the same hooks (7 tp_btf, cgroup_skb ingress on "
      "the cgroup v2 root), X exporter programs (cgroup SYN hook, scoped to this "
      "namespace)\n");
  std::printf(
      "round order D_dps     E_dps     X_dps     E/D     X/D     E-X pts X-D ns   rest_cpus\n");
}

void Run(const Args& args) {
  se::TcpEventsConfig config;
  config.netns_ino = se::bench::EnterPrivateNetns();
  config.max_slots = 129;
  std::string error;
  auto probe = se::TcpEventsProbe::Open(config, &error);
  if (!probe) throw MeterError(error);
  Rig rig{se::bench::IdleMeter(), std::move(probe), {},
          std::make_unique<se::bench::UdpStormRig>(args.port, kPayload, args.batch)};
  rig.storm->Run(&rig.meter, args.datagrams / 4, 0);  // warm up
  rig.Attach(kArmExporter);                           // no storm: only which programs attach
  se::bench::CheckFloorCovers(rig.probe->Snapshot().programs);
  rig.Detach();
  PrintHeader(rig, args);
  const std::vector<Round> rounds = RunRounds(&rig, args);
  CheckCounted(*rig.probe, rounds, static_cast<uint16_t>(args.port));
  PrintSummary(rounds, args);
  if (args.bpf_stats) {
    // Each program set is attached only in its own arm: its counts cover that arm's storms.
    const double datagrams = static_cast<double>(rounds.size()) * args.datagrams;
    se::bench::PrintProgramStats("empty", rig.empty.Stats(), datagrams, "datagram");
    se::bench::PrintProgramStats("exporter", rig.probe->Snapshot().programs, datagrams,
                                 "datagram");
  }
  std::printf("%s (after)\n", se::bench::MachineLine().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  se::bench::StartAsRoot("udp_storm_bench", "a network namespace, BPF");
  se::log::Setup(se::LogFormat::kLogfmt, "error");
  try {
    int stats_fd = -1;
    if (args.bpf_stats && (stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME)) < 0)
      throw MeterError(std::string("bpf_enable_stats: ") + std::strerror(errno));
    Run(args);
    if (stats_fd >= 0) close(stats_fd);  // stats stop when the last such descriptor closes
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "udp_storm_bench: %s\n", e.what());
    return 1;
  }
}
