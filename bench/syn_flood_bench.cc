// Overhead of the tcp_events programs on a SYN flood (the program on that path is syn_ingress,
// cgroup_skb ingress on the cgroup v2 root). Spoofed SYNs cross a veth pair between two network
// namespaces of its own to a listener that never accepts, so SYN cookies absorb them once the
// small SYN queue is full. Slices of three arms rotate in one process, so slow drift of a shared
// machine hits all arms alike: detached, the empty programs on the same hooks (the floor any
// program pays) and the real programs.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_cli.h"
#include "bench_meters.h"
#include "bench_stats.h"
#include "floor_arms.h"
#include "harness/netns.h"
#include "logging/log.h"
#include "probes/tcp_events_probe.h"
#include "syn_sender.h"

namespace {

using se::bench::CgroupIngressLinks;
using se::bench::IdleMeter;
using se::bench::kArmDetached;
using se::bench::kArmEmpty;
using se::bench::kArmExporter;
using se::bench::kFloorArms;
using se::bench::Median;
using se::bench::Now;
using se::bench::Quantile;
using se::bench::ReadTcpInSegs;
using se::bench::ThreadCpuNs;

constexpr const char* kServer = se::test::VethLink::kServer4;
constexpr char kSpoofed[] = "10.201.0.0/16";
// A pair counts as quiet when other work kept less than this many CPUs busy in both slices.
constexpr double kQuietCpus = 0.25;
constexpr double kTargetRatio = 0.98;  // exporter's SYN rate / detached
constexpr double kTargetAddedNs = 30;  // exporter's sender CPU per SYN over the empty arm

struct Args {
  int pairs = 40;
  int slice_ms = 300;
  int port = 8080;
  int backlog = 16;
  bool bpf_stats = false;
};

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Server and client namespaces joined by a veth pair exactly as in the integration tests
// (LinkByVeth): the server's default route points at the client, which does not forward, so
// SYN-ACKs to spoofed sources cross the link and die there unanswered.
struct BenchLink {
  se::test::Netns server{"bench-syn-srv"};
  se::test::Netns client{"bench-syn-cli"};
  BenchLink() {
    se::test::LinkByVeth(server, client);
    server.Sysctl("net.ipv4.tcp_syncookies", "1");
  }
};

// One slice of the flood and what it cost.
struct Slice {
  double seconds = 0;     // wall time of the flood
  uint64_t sent = 0;      // SYNs the sender got out
  uint64_t absorbed = 0;  // Tcp InSegs of the server namespace
  uint64_t counted = 0;   // syns_received added by syn_ingress
  double thread_ns = 0;   // CPU time of the sending thread (with veth: most of the receive path)
  double machine_ns = 0;  // busy time of all CPUs between snapshots just outside the flood
  bool foreign = false;   // a cgroup ingress program not ours was attached
  uint64_t runs = 0, run_ns = 0;  // syn_ingress runs and run time (only with --bpf-stats)
  double Rate() const { return absorbed / seconds; }
  double ThreadPerSyn() const { return thread_ns / absorbed; }
  double MachinePerSyn() const { return machine_ns / absorbed; }
  double OtherCpus() const { return (machine_ns - thread_ns) / (seconds * 1e9); }
};

// Everything one run needs: namespaces, listener, sender, counters and the BPF programs.
class Rig {
 public:
  explicit Rig(const Args& args) : args_(args) {
    link_.server.RunIn([&] { OpenServerSide(); });
    se::test::SynPlan plan;
    se::test::ParseAddress(kServer, &plan.dst, &plan.family);
    se::test::ParseCidr(kSpoofed, AF_INET, &plan.src_base, &plan.src_prefix);
    plan.port_first = plan.port_last = static_cast<uint16_t>(args.port);
    plan.count = UINT64_MAX;
    plan.max_seconds = args.slice_ms / 1000.0;
    link_.client.RunIn([&] { sender_ = std::make_unique<se::test::SynSender>(plan); });
    if (!sender_->valid()) throw Error(sender_->error());
    struct stat st {};
    if (stat(link_.server.Path().c_str(), &st) != 0) throw Error(Errno("stat netns"));
    se::TcpEventsConfig config;
    config.netns_ino = static_cast<uint32_t>(st.st_ino);
    config.max_slots = 129;
    std::string error;
    probe_ = se::TcpEventsProbe::Open(config, &error);
    if (!probe_) throw Error(error);
    probe_->TrackPort(static_cast<uint16_t>(args.port), true);  // as the exporter does at start
  }
  ~Rig() {
    if (listener_ >= 0) close(listener_);
    if (snmp_ >= 0) close(snmp_);
  }

  void Attach(int arm) {
    std::string error;
    if (arm == kArmEmpty) empty_.Attach();
    if (arm == kArmExporter && !probe_->Attach(true, se::DefaultAttach(), &error))
      throw Error(error);
  }
  void Detach() {
    empty_.Detach();
    probe_->Detach();
  }
  std::string IdleSource() const { return meter_.Source(); }
  // Throws unless the empty arm covers every hook the exporter arm attaches to.
  void CheckFloor() {
    Attach(kArmExporter);
    se::bench::CheckFloorCovers(probe_->Snapshot().programs);
    Detach();
  }

  // The syn_ingress program's runs and run time so far (counted only while stats are enabled).
  std::pair<uint64_t, uint64_t> SynIngressStats() const {
    for (const auto& s : probe_->Snapshot().programs)
      if (s.probe == "syn_ingress") return {s.run_count, s.run_time_ns};
    return {0, 0};
  }

  // Floods for one slice; ours = cgroup ingress links of this process (0 detached, else 1).
  Slice Flood(int ours) {
    Slice s;
    s.foreign = CgroupIngressLinks() != ours;
    const uint64_t in0 = ReadTcpInSegs(snmp_), counted0 = CountedSyns();
    const double m0 = Now(), idle0 = meter_.IdleNs();
    const double t0 = Now(), cpu0 = ThreadCpuNs();
    s.sent = sender_->Run();
    const double cpu1 = ThreadCpuNs(), t1 = Now();
    const double idle1 = meter_.IdleNs(), m1 = Now();
    if (!sender_->error().empty()) throw Error(sender_->error());
    s.seconds = t1 - t0;
    s.thread_ns = cpu1 - cpu0;
    s.machine_ns = meter_.cpus() * (m1 - m0) * 1e9 - (idle1 - idle0);
    s.absorbed = ReadTcpInSegs(snmp_) - in0;
    s.counted = CountedSyns() - counted0;
    s.foreign |= CgroupIngressLinks() != ours;
    if (s.absorbed == 0) throw Error("no SYN reached the server's TCP stack");
    return s;
  }

 private:
  void OpenServerSide() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(args_.port));
    inet_pton(AF_INET, kServer, &a.sin_addr);
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        listen(listener_, args_.backlog) != 0)
      throw Error(Errno("listen on " + std::string(kServer)));
    snmp_ = open("/proc/thread-self/net/snmp", O_RDONLY | O_CLOEXEC);
    if (snmp_ < 0) throw Error(Errno("open /proc/thread-self/net/snmp"));
  }

  uint64_t CountedSyns() const {
    uint64_t n = 0;
    for (const auto& c : probe_->Snapshot().counters) n += c.counters.syns_received;
    return n;
  }

  Args args_;
  BenchLink link_;
  IdleMeter meter_;
  int listener_ = -1;
  int snmp_ = -1;
  std::unique_ptr<se::test::SynSender> sender_;
  std::unique_ptr<se::TcpEventsProbe> probe_;
  se::bench::EmptyPrograms empty_;
};

// One slice of each arm, indexed by FloorArm.
using Round = std::array<Slice, kFloorArms>;

double OtherCpus(const Round& r) {
  double m = 0;
  for (const Slice& s : r) m = std::max(m, s.OtherCpus());
  return m;
}

// The median and interquartile range of what f takes from each round.
template <typename F>
se::bench::Spread Over(const std::vector<Round>& rounds, F f) {
  std::vector<double> v;
  for (const Round& r : rounds) v.push_back(f(r));
  return se::bench::SpreadOf(v);
}

// Prints the three arms of a per-SYN cost and what the exporter adds over detached and over the
// empty arm; returns the larger of the two estimates of the latter, median(X) - median(E) and
// the median of per-round differences (they differ when the machine's speed drifts).
double PrintCost(const char* what, const std::vector<Round>& rounds,
                 double (Slice::*cost)() const) {
  auto arm = [&](int a) { return Over(rounds, [&](const Round& r) { return (r[a].*cost)(); }); };
  auto added = [&](int a) {
    return Over(rounds, [&](const Round& r) { return (r[kArmExporter].*cost)() - (r[a].*cost)(); });
  };
  const se::bench::Spread d = arm(kArmDetached), e = arm(kArmEmpty), x = arm(kArmExporter);
  const se::bench::Spread over_d = added(kArmDetached), over_e = added(kArmEmpty);
  std::printf(
      "%-20s detached %7.1f (%.1f .. %.1f)  empty %7.1f (%.1f .. %.1f)  exporter %7.1f "
      "(%.1f .. %.1f)\n",
      what, d.median, d.q1, d.q3, e.median, e.q1, e.q3, x.median, x.q1, x.q3);
  std::printf(
      "%-20s exporter over detached %+6.1f (per round %+.1f, interquartile %+.1f .. %+.1f)"
      "; over empty %+6.1f (per round %+.1f, interquartile %+.1f .. %+.1f)\n",
      "", x.median - d.median, over_d.median, over_d.q1, over_d.q3, x.median - e.median,
      over_e.median, over_e.q1, over_e.q3);
  return std::max(x.median - e.median, over_e.median);
}

std::string Fixed(double v, int digits) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.*f", digits, v);
  return b;
}

// The figures of the summary line: rate ratios to detached and added CPU over the empty arm.
struct Figures {
  double ratio = 0, empty_ratio = 0, added = 0;
  bool met = false;
};

// Rates, costs and targets over a set of rounds.
Figures PrintArms(const std::string& title, const std::vector<Round>& rounds) {
  if (rounds.empty()) return {};
  auto rate = [&](int a) { return Over(rounds, [&](const Round& r) { return r[a].Rate(); }); };
  auto ratio = [&](int a) {
    return Over(rounds, [&](const Round& r) { return r[a].Rate() / r[kArmDetached].Rate(); });
  };
  const se::bench::Spread d = rate(kArmDetached), e = rate(kArmEmpty), x = rate(kArmExporter);
  const se::bench::Spread re = ratio(kArmEmpty), rx = ratio(kArmExporter);
  std::printf("\n%s: %zu rounds\n", title.c_str(), rounds.size());
  std::printf(
      "SYNs absorbed/s      detached %.0f (%.0f .. %.0f)  empty %.0f (%.0f .. %.0f)  "
      "exporter %.0f (%.0f .. %.0f)\n",
      d.median, d.q1, d.q3, e.median, e.q1, e.q3, x.median, x.q1, x.q3);
  std::printf(
      "per-round ratio to detached: empty %.4f (%.4f .. %.4f), exporter %.4f (%.4f .. "
      "%.4f); exporter/detached of medians %.4f\n",
      re.median, re.q1, re.q3, rx.median, rx.q1, rx.q3, x.median / d.median);
  const double added = PrintCost("sender CPU ns/SYN", rounds, &Slice::ThreadPerSyn);
  PrintCost("machine busy ns/SYN", rounds, &Slice::MachinePerSyn);
  std::printf(
      "targets: exporter/detached %.4f >= %.2f: %s; added sender CPU over the empty "
      "arm (larger estimate) %+.1f ns/SYN <= +%.0f: %s\n",
      rx.median, kTargetRatio, rx.median >= kTargetRatio ? "met" : "NOT met", added, kTargetAddedNs,
      added <= kTargetAddedNs ? "met" : "NOT met");
  return {rx.median, re.median, added, rx.median >= kTargetRatio && added <= kTargetAddedNs};
}

void PrintCounts(const std::vector<Round>& rounds, int discarded, bool bpf_stats) {
  uint64_t sent = 0, absorbed = 0, counted[kFloorArms] = {}, x_absorbed = 0, runs = 0, ns = 0;
  for (const Round& r : rounds) {
    for (int a = 0; a < kFloorArms; ++a) {
      sent += r[a].sent;
      absorbed += r[a].absorbed;
      counted[a] += r[a].counted;
    }
    x_absorbed += r[kArmExporter].absorbed;
    runs += r[kArmExporter].runs;
    ns += r[kArmExporter].run_ns;
  }
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf(
      "\n%zu rounds kept, %d discarded; SYNs sent %llu, absorbed %llu; syn_ingress "
      "counted %llu of %llu in the exporter arm, %llu detached, %llu empty\n",
      rounds.size(), discarded, u(sent), u(absorbed), u(counted[kArmExporter]), u(x_absorbed),
      u(counted[kArmDetached]), u(counted[kArmEmpty]));
  if (bpf_stats && runs)
    std::printf(
        "syn_ingress with bpf stats (clock included): %.3f runs per SYN, %.1f ns per "
        "run\n",
        static_cast<double>(runs) / x_absorbed, static_cast<double>(ns) / runs);
}

void PrintSummary(const std::vector<Round>& rounds, int discarded, bool bpf_stats) {
  PrintCounts(rounds, discarded, bpf_stats);
  std::vector<Round> quiet;
  std::vector<double> detached;
  for (const Round& r : rounds) {
    if (OtherCpus(r) < kQuietCpus) quiet.push_back(r);
    detached.push_back(r[kArmDetached].Rate());
  }
  const se::bench::Spread other = Over(rounds, OtherCpus);
  std::printf(
      "rest of the machine busy (max of a round): median %.2f CPUs (interquartile %.2f "
      ".. %.2f); %zu rounds quiet (< %.2f CPUs)\n",
      other.median, other.q1, other.q3, quiet.size(), kQuietCpus);
  char what[96];
  std::snprintf(what, sizeof(what), "rest of the machine < %.2f CPUs", kQuietCpus);
  const std::string noisy = se::bench::NoiseVerdict(detached, quiet.size(), rounds.size(), what);
  const std::string goal = ">= " + Fixed(kTargetRatio, 2) + " of detached, <= +" +
                           Fixed(kTargetAddedNs, 0) + " ns CPU per SYN over the empty arm";
  if (!noisy.empty()) {
    std::printf("%s; no ratios presented as results\n", noisy.c_str());
    std::printf("summary | SYN flood, rate and CPU per SYN | %s | - | - | - | %s\n", goal.c_str(),
                noisy.c_str());
    return;
  }
  const Figures f = PrintArms("all rounds", rounds);
  PrintArms("quiet rounds", quiet);
  std::printf(
      "summary | SYN flood, rate and CPU per SYN | %s | %.4f of detached, %+.1f ns over "
      "empty | %.4f of detached | - | %s\n",
      goal.c_str(), f.ratio, f.added, f.empty_ratio, f.met ? "met" : "NOT met");
}

// One slice of every arm in the round's order.
Round RunRound(Rig* rig, int r) {
  Round round;
  for (int arm : se::bench::FloorOrder(r)) {
    if (se::bench::Interrupted()) throw Error("interrupted");
    rig->Attach(arm);
    const auto [runs0, ns0] = rig->SynIngressStats();
    round[arm] = rig->Flood(arm == kArmDetached ? 0 : 1);
    const auto [runs1, ns1] = rig->SynIngressStats();
    round[arm].runs = runs1 - runs0;
    round[arm].run_ns = ns1 - ns0;
    rig->Detach();
  }
  return round;
}

void PrintRound(int r, const Round& x, bool foreign) {
  const Slice &d = x[kArmDetached], &e = x[kArmEmpty], &p = x[kArmExporter];
  std::printf(
      "%-5d %-5s %-8.0f %-8.0f %-8.0f %.3f  %-7.1f %-7.1f %-7.1f %+6.1f  %-7.1f %-7.1f "
      "%-7.1f %.2f%s\n",
      r + 1, se::bench::FloorOrderName(r).data(), d.Rate(), e.Rate(), p.Rate(), p.Rate() / d.Rate(),
      d.ThreadPerSyn(), e.ThreadPerSyn(), p.ThreadPerSyn(), p.ThreadPerSyn() - e.ThreadPerSyn(),
      d.MachinePerSyn(), e.MachinePerSyn(), p.MachinePerSyn(), OtherCpus(x),
      foreign ? "  discarded: foreign cgroup ingress program" : "");
  std::fflush(stdout);
}

// Rotates the three arms until args.pairs rounds ran undisturbed by foreign cgroup programs
// (at most twice as many in all).
void RunRounds(Rig* rig, const Args& args) {
  rig->Flood(0);  // warm up: fills the SYN queue, resolves the client's address
  rig->CheckFloor();
  std::vector<Round> rounds;
  int discarded = 0;
  std::printf("%s\ncpu time source (idle meter): %s\n", se::bench::MachineLine().c_str(),
              rig->IdleSource().c_str());
  std::printf(
      "order: D detached, E empty programs on the same hooks, X exporter programs\n"
      "round order D_syn/s  E_syn/s  X_syn/s  X/D    D_ns    E_ns    X_ns    X-E     "
      "D_mach  E_mach  X_mach  rest\n");
  for (int r = 0; static_cast<int>(rounds.size()) < args.pairs && r < 2 * args.pairs; ++r) {
    const Round round = RunRound(rig, r);
    bool foreign = false;
    for (const Slice& s : round) foreign |= s.foreign;
    PrintRound(r, round, foreign);
    if (foreign)
      ++discarded;
    else
      rounds.push_back(round);
  }
  if (rounds.empty()) throw Error("every round was disturbed by a foreign cgroup program");
  PrintSummary(rounds, discarded, args.bpf_stats);
  std::printf("%s\n", se::bench::MachineLine().c_str());
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  se::bench::Flags("syn_flood_bench",
                   "syn_flood_bench [--rounds=N (alias --pairs)] [--slice-ms=M] [--port=P] "
                   "[--backlog=B] [--bpf-stats]")
      .Int("--rounds", &a.pairs, 1, 100000)
      .Int("--pairs", &a.pairs, 1, 100000)
      .Int("--slice-ms", &a.slice_ms, 10, 60000)
      .Int("--port", &a.port, 1, 65535)
      .Int("--backlog", &a.backlog, 1, 65535)
      .Switch("--bpf-stats", &a.bpf_stats)
      .Parse(argc, argv);
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  se::bench::StartAsRoot("syn_flood_bench", "namespaces, raw sockets, BPF");
  se::log::Setup(se::LogFormat::kLogfmt, "error");
  try {
    int stats_fd = -1;
    if (args.bpf_stats && (stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME)) < 0)
      throw Error(Errno("bpf_enable_stats"));
    Rig rig(args);
    RunRounds(&rig, args);
    if (stats_fd >= 0) close(stats_fd);  // stats stop when the last such descriptor closes
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "syn_flood_bench: %s\n", e.what());
    return 1;
  }
}
