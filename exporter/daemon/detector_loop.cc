// Daemon: the detector loop. On its own thread, every detector at its own cadence; a tick
// reads what the due detectors need once, then runs them in kTickOrder. Kernel events reach
// the scan and policy detectors between ticks, on the event reader's thread.
#include <chrono>
#include <ctime>

#include "daemon/daemon.h"
#include "inventory/inventory.h"

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
  if (flood || history) kernel = probe_->Snapshot();
  InventorySnapshot tables;
  const uint64_t tables_ns = MonotonicNs();  // just before the read
  if (flood || policy) {
    std::lock_guard<std::mutex> lock(scope_mu_);
    tables = TakeInventory(scope_->Refresh(), [this] { return ScanOwners(); });
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
}

void Daemon::OnKernelEvent(const se_event& event) {
  if (event.kind == SE_EV_CLOSED_PORT) {
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
