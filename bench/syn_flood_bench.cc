// Overhead of the tcp_events programs on a SYN flood (the program on that path is syn_ingress,
// cgroup_skb ingress on the cgroup v2 root). Spoofed SYNs cross a veth pair between two network
// namespaces of its own to a listener that never accepts, so SYN cookies absorb them once the
// small SYN queue is full. Slices with the real programs detached (A) and attached (B) alternate
// in one process, so slow drift of a shared machine hits both arms alike.
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

#include "bench_meters.h"
#include "harness/netns.h"
#include "logging/log.h"
#include "probes/tcp_events_probe.h"
#include "syn_sender.h"

namespace {

using se::bench::CgroupIngressLinks;
using se::bench::IdleMeter;
using se::bench::Now;
using se::bench::ReadTcpInSegs;
using se::bench::ThreadCpuNs;

constexpr const char* kServer = se::test::VethLink::kServer4;
constexpr char kSpoofed[] = "10.201.0.0/16";
// A pair counts as quiet when other work kept less than this many CPUs busy in both slices.
constexpr double kQuietCpus = 0.25;

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

  void Attach() {
    std::string error;
    if (!probe_->Attach(true, se::DefaultAttach(), &error)) throw Error(error);
  }
  void Detach() { probe_->Detach(); }
  std::string IdleSource() const { return meter_.Source(); }

  // The syn_ingress program's runs and run time so far (counted only while stats are enabled).
  std::pair<uint64_t, uint64_t> SynIngressStats() const {
    for (const auto& s : probe_->Snapshot().programs)
      if (s.probe == "syn_ingress") return {s.run_count, s.run_time_ns};
    return {0, 0};
  }

  // Floods for one slice; ours = cgroup ingress links of this process (0 detached, 1 attached).
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
};

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const size_t lo = static_cast<size_t>(pos), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}
double Median(const std::vector<double>& v) { return Quantile(v, 0.5); }

using Pair = std::pair<Slice, Slice>;  // A (detached), B (attached)

// Prints A, B and B - A of a per-SYN cost; returns the larger of median(B) - median(A) and the
// median of per-pair differences (they differ when the machine's speed drifts between pairs).
double PrintCost(const char* what, const std::vector<Pair>& pairs, double (Slice::*cost)() const) {
  std::vector<double> a, b, diff;
  for (const auto& [sa, sb] : pairs) {
    a.push_back((sa.*cost)());
    b.push_back((sb.*cost)());
    diff.push_back(b.back() - a.back());
  }
  const double added = Median(b) - Median(a);
  std::printf(
      "%-20s A %7.1f  B %7.1f  added %+6.1f  (median of per-pair differences %+6.1f, "
      "interquartile %+.1f .. %+.1f)\n",
      what, Median(a), Median(b), added, Median(diff), Quantile(diff, 0.25), Quantile(diff, 0.75));
  return std::max(added, Median(diff));
}

// Rates, costs and targets over a set of pairs.
void PrintArms(const std::string& title, const std::vector<Pair>& pairs) {
  if (pairs.empty()) return;
  std::vector<double> a, b, ratio;
  for (const auto& [sa, sb] : pairs) {
    a.push_back(sa.Rate());
    b.push_back(sb.Rate());
    ratio.push_back(sb.Rate() / sa.Rate());
  }
  std::printf("\n%s: %zu pairs\n", title.c_str(), pairs.size());
  std::printf(
      "SYNs absorbed/s      A %7.0f  B %7.0f  B/A of medians %.4f  (median of per-pair "
      "B/A %.4f, interquartile %.4f .. %.4f)\n",
      Median(a), Median(b), Median(b) / Median(a), Median(ratio), Quantile(ratio, 0.25),
      Quantile(ratio, 0.75));
  const double added = PrintCost("sender CPU ns/SYN", pairs, &Slice::ThreadPerSyn);
  PrintCost("machine busy ns/SYN", pairs, &Slice::MachinePerSyn);
  std::printf(
      "targets: added sender CPU (larger estimate) %.1f ns/SYN <= 50: %s; per-pair B/A "
      "%.4f >= 0.98: %s\n",
      added, added <= 50 ? "met" : "NOT met", Median(ratio),
      Median(ratio) >= 0.98 ? "met" : "NOT met");
}

void PrintSummary(const std::vector<Pair>& pairs, int discarded, bool bpf_stats) {
  uint64_t sent = 0, absorbed = 0, b_absorbed = 0, a_counted = 0, b_counted = 0, runs = 0, ns = 0;
  std::vector<double> others;
  std::vector<Pair> quiet;
  for (const auto& [sa, sb] : pairs) {
    sent += sa.sent + sb.sent;
    absorbed += sa.absorbed + sb.absorbed;
    b_absorbed += sb.absorbed;
    a_counted += sa.counted;
    b_counted += sb.counted;
    runs += sb.runs;
    ns += sb.run_ns;
    others.push_back(std::max(sa.OtherCpus(), sb.OtherCpus()));
    if (others.back() < kQuietCpus) quiet.push_back({sa, sb});
  }
  std::printf(
      "\n%zu pairs kept, %d discarded; SYNs sent %llu, absorbed %llu; syn_ingress counted "
      "%llu of %llu in B, %llu in A\n",
      pairs.size(), discarded, static_cast<unsigned long long>(sent),
      static_cast<unsigned long long>(absorbed), static_cast<unsigned long long>(b_counted),
      static_cast<unsigned long long>(b_absorbed), static_cast<unsigned long long>(a_counted));
  std::printf(
      "rest of the machine busy (max of a pair): median %.2f CPUs (interquartile %.2f .. "
      "%.2f)\n",
      Median(others), Quantile(others, 0.25), Quantile(others, 0.75));
  if (bpf_stats && runs)
    std::printf(
        "syn_ingress with bpf stats (clock included): %.3f runs per SYN in B, %.1f ns per "
        "run\n",
        static_cast<double>(runs) / b_absorbed, static_cast<double>(ns) / runs);
  PrintArms("all pairs", pairs);
  char title[96];
  std::snprintf(title, sizeof(title), "quiet pairs (rest of the machine < %.2f CPUs)", kQuietCpus);
  PrintArms(title, quiet);
}

bool Interrupted() {
  sigset_t pending;
  sigpending(&pending);
  return sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM) ||
         sigismember(&pending, SIGHUP);
}

// One A and one B slice in the given order.
Pair RunPair(Rig* rig, bool a_first) {
  Slice slice[2];
  for (int arm = 0; arm < 2; ++arm) {
    if (Interrupted()) throw Error("interrupted");
    const bool attached = (arm == 0) != a_first;
    if (attached) rig->Attach();
    const auto [runs0, ns0] = rig->SynIngressStats();
    slice[attached] = rig->Flood(attached ? 1 : 0);
    const auto [runs1, ns1] = rig->SynIngressStats();
    slice[attached].runs = runs1 - runs0;
    slice[attached].run_ns = ns1 - ns0;
    if (attached) rig->Detach();
  }
  return {slice[0], slice[1]};
}

// Alternates detached (A) and attached (B) slices, the order flipping every pair, until
// args.pairs pairs ran undisturbed by foreign cgroup programs (at most twice as many in all).
void RunPairs(Rig* rig, const Args& args) {
  rig->Flood(0);  // warm up: fills the SYN queue, resolves the client's address
  std::vector<Pair> pairs;
  int discarded = 0;
  std::printf("%s\nidle meter: %s\n", se::bench::MachineLine().c_str(), rig->IdleSource().c_str());
  std::printf(
      "pair order  A_syn/s   B_syn/s   B/A    A_ns/SYN B_ns/SYN  added  "
      "A_mach   B_mach  rest\n");
  for (int p = 0; static_cast<int>(pairs.size()) < args.pairs && p < 2 * args.pairs; ++p) {
    const bool a_first = p % 2 == 0;
    const auto [a, b] = RunPair(rig, a_first);
    const bool foreign = a.foreign || b.foreign;
    std::printf("%-4d %-5s %-9.0f %-9.0f %.3f  %-8.1f %-8.1f %+6.1f  %-8.1f %-7.1f %.2f%s\n", p + 1,
                a_first ? "AB" : "BA", a.Rate(), b.Rate(), b.Rate() / a.Rate(), a.ThreadPerSyn(),
                b.ThreadPerSyn(), b.ThreadPerSyn() - a.ThreadPerSyn(), a.MachinePerSyn(),
                b.MachinePerSyn(), std::max(a.OtherCpus(), b.OtherCpus()),
                foreign ? "  discarded: foreign cgroup ingress program" : "");
    std::fflush(stdout);
    if (foreign)
      ++discarded;
    else
      pairs.push_back({a, b});
  }
  if (pairs.empty()) throw Error("every pair was disturbed by a foreign cgroup program");
  PrintSummary(pairs, discarded, args.bpf_stats);
  std::printf("%s\n", se::bench::MachineLine().c_str());
}

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "syn_flood_bench: %s (usage: syn_flood_bench [--pairs=N] [--slice-ms=M] "
               "[--port=P] [--backlog=B] [--bpf-stats])\n",
               why.c_str());
  std::exit(2);
}

int IntFlag(const std::string& arg, size_t prefix, int lo, int hi) {
  char* end = nullptr;
  const long v = std::strtol(arg.c_str() + prefix, &end, 10);
  if (arg.size() == prefix || *end != '\0' || v < lo || v > hi)
    Usage("bad value in " + arg + " (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
  return static_cast<int>(v);
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto is = [&](const char* flag) { return s.rfind(flag, 0) == 0; };
    if (is("--pairs="))
      a.pairs = IntFlag(s, 8, 1, 100000);
    else if (is("--slice-ms="))
      a.slice_ms = IntFlag(s, 11, 10, 60000);
    else if (is("--port="))
      a.port = IntFlag(s, 7, 1, 65535);
    else if (is("--backlog="))
      a.backlog = IntFlag(s, 10, 1, 65535);
    else if (s == "--bpf-stats")
      a.bpf_stats = true;
    else
      Usage("unknown argument " + s);
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  if (geteuid() != 0) {
    std::fprintf(stderr, "syn_flood_bench: must run as root (namespaces, raw sockets, BPF)\n");
    return 1;
  }
  // Signals stay pending until the loop sees them, so every exit path unwinds the cleanup.
  sigset_t stop;
  sigemptyset(&stop);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop, sig);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  se::log::Setup(se::LogFormat::kLogfmt, "error");
  try {
    int stats_fd = -1;
    if (args.bpf_stats && (stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME)) < 0)
      throw Error(Errno("bpf_enable_stats"));
    Rig rig(args);
    RunPairs(&rig, args);
    if (stats_fd >= 0) close(stats_fd);  // stats stop when the last such descriptor closes
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "syn_flood_bench: %s\n", e.what());
    return 1;
  }
}
