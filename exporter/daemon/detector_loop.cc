// Daemon: the detector loop. On its own thread, every detector at its own cadence; a tick
// reads what the due detectors need once, then runs them in kTickOrder. Kernel events reach
// the scan and policy detectors between ticks, on the event reader's thread.
#include <malloc.h>

#include <chrono>
#include <ctime>

#include "daemon/daemon.h"
#include "inventory/inventory.h"
#include "system/resident.h"

namespace se {
namespace {

// The BPF programs' clock (bpf_ktime_get_ns), which the scan detector's times are in.
uint64_t MonotonicNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000ULL + static_cast<uint64_t>(now.tv_nsec);
}

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// SYNs the SYN counter has counted, over every port.
uint64_t SynsReceived(const KernelSnapshot& kernel) {
  uint64_t n = 0;
  for (const LabelledCounters& c : kernel.counters) n += c.counters.syns_received;
  return n;
}

}  // namespace

void Daemon::RunDetectorLoop() {
  std::unique_lock<std::mutex> lock(loop_mu_);
  for (;;) {
    if (loop_wake_.wait_until(lock, schedule_->NextDue(), [this] { return stop_; })) return;
    const DetectorSchedule::Due due = schedule_->TakeDue(DetectorSchedule::Clock::now());
    if (!due.Any()) continue;  // woken early by a reload: wait for the new cadences
    lock.unlock();
    DetectorTick(due);
    lock.lock();
  }
}

void Daemon::DetectorTick(const DetectorSchedule::Due& due) {
  const bool flood = due[Detector::kSynFlood];
  const bool policy = due[Detector::kPolicy];
  const bool history = due[Detector::kRateHistory];
  std::optional<KernelSnapshot> kernel;
  if (flood || history) kernel = probe_->CountersSnapshot();
  InventorySnapshot tables;
  const uint64_t tables_ns = MonotonicNs();  // just before the read
  if (flood || policy) {
    std::lock_guard<std::mutex> lock(scope_mu_);
    tables = DetectorTables(kernel ? &*kernel : nullptr, policy && policy_->ChecksListeners());
  }
  if (flood) {
    const std::vector<PortSample> samples =
        tables.ok ? BuildPortSamples(*kernel, tables) : std::vector<PortSample>{};
    syn_flood_->Tick(due.Elapsed(Detector::kSynFlood), samples,
                     DecodeSynSources(probe_->ReadNewSources(), kernel->ports));
  }
  if (due[Detector::kPortScan]) scans_->Tick(MonotonicNs());
  if (policy) policy_->Tick(tables, tables_ns);
  if (history) history_.Record(UnixNow(), due.Elapsed(Detector::kRateHistory), kernel->counters);
  RecycleWorkloads();
  ReturnFreeMemory();
}

// A large scrape's families are megabytes of small blocks, freed when it ends. free() never
// returns them to the kernel (main.cc): the next scrape would fault them in again. The trim
// policy decides when they go back (memory/trim_policy.h, docs/architecture.md, "Memory"):
// looked at only while something was rendered since the last trim, so an exporter nobody
// scrapes reads nothing.
void Daemon::ReturnFreeMemory() {
  if (renders_.exchange(0)) rendered_since_trim_ = true;
  if (!rendered_since_trim_) return;
  const auto now = TrimPolicy::Clock::now();
  if (!trim_policy_.Due(now, ResidentBytes())) return;
  malloc_trim(0);
  trim_policy_.Trimmed(now);
  rendered_since_trim_ = false;
}

// The socket tables a tick needs (scope_mu_ held). TCP dumps make the kernel walk its listener
// hash table, and for half-open handshakes its whole established hash table, whatever they
// hold; so each is read only when it can have changed since the last read. Half-open
// handshakes: when a SYN reached a listener since (a request socket is made only for one; a
// drop or a queued connection follows one too), when some were half-open, or when the SYN
// counter cannot see every listener. Listeners: also when a TCP listener came or went, and
// every kTcpRereadEvery (SYN queue sysctls). Otherwise the last read's TCP listeners stand and
// no handshake is half-open. UDP, which no counter watches, is read at every tick that checks
// listeners against the policy, and not at all otherwise.
InventorySnapshot Daemon::DetectorTables(const KernelSnapshot* kernel, bool udp) {
  const auto now = std::chrono::steady_clock::now();
  const uint64_t changes = probe_->ListenerChanges();
  const uint64_t syns = kernel ? SynsReceived(*kernel) : tcp_read_.syns;
  const bool half_open =
      !syn_counter_complete_ || !tcp_read_.done || tcp_read_.half_open || syns != tcp_read_.syns;
  const bool tcp =
      half_open || changes != tcp_read_.changes || now - tcp_read_.at >= kTcpRereadEvery;
  // Without a TCP read, the owner cache is told the TCP listeners still stand, or it would
  // forget them and scan for them again at the next read.
  auto owners = [&](std::vector<uint64_t> inodes) {
    if (!tcp)
      for (const Listener& l : tcp_read_.listeners) inodes.push_back(l.inode);
    return Owners(inodes);
  };
  InventorySnapshot tables = TakeInventory(
      scope_->Refresh(RediscoverNamespaces()), owners,
      InventoryParts{.tcp = tcp, .udp = udp, .established = false, .half_open = half_open});
  if (!tables.ok) return tables;
  if (tcp) {
    tcp_read_ = {true, changes, syns, now, !tables.half_open.empty(), {}};
    for (const Listener& l : tables.listeners)
      if (l.protocol == Protocol::kTcp) tcp_read_.listeners.push_back(l);
  } else {
    tables.listeners.insert(tables.listeners.end(), tcp_read_.listeners.begin(),
                            tcp_read_.listeners.end());
    SortSnapshot(&tables);
  }
  return tables;
}

// Whether the tick looks for new namespaces (--netns=all), a stat of every /proc/PID/ns/net:
// when a TCP socket started listening in a namespace not known yet (the kernel notes each
// listen()'s namespace), and every kRediscoverEvery if the policy checks listeners, for
// namespaces with only UDP ones. Scrapes always look, which also lets vanished ones go.
bool Daemon::RediscoverNamespaces() {
  if (options_.netns_mode != NetnsMode::kAll) return false;
  const auto now = std::chrono::steady_clock::now();
  const TcpEventsProbe::ListenNamespaces recent = probe_->ListenNamespacesSince(listens_seen_);
  listens_seen_ = recent.listens;
  bool unknown = !recent.complete;
  for (uint32_t netns : recent.netns) unknown |= !scope_->Knows(netns);
  if (!unknown && !(policy_->ChecksListeners() && now - rediscovered_ >= kRediscoverEvery))
    return false;
  rediscovered_ = now;
  return true;
}

void Daemon::OnKernelEvent(const se_event& event) {
  if (event.kind == SE_EV_CLOSED_PORT || event.kind == SE_EV_UDP_CLOSED_PORT) {
    scans_->OnClosedPort(event);
  } else if (event.kind == SE_EV_POLICY) {
    policy_->OnFinding(event);
  }
}

void Daemon::StopDetectorLoop() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stop_ = true;
  }
  loop_wake_.notify_all();
  if (loop_.joinable()) loop_.join();
}

}  // namespace se
