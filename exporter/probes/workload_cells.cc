// TcpEventsProbe's per-workload cells (--attribution=cgroup, bpf/workloads.bpf.h): filling the
// free queues, reading the cells into a snapshot, and recycling the cells of a workload whose
// cgroup is gone.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>

#include "probes/map_read.h"
#include "probes/tcp_events_probe.h"
#include "system/cgroup_tree.h"
#include "tcp_events.skel.h"

namespace se {

void TcpEventsProbe::SizeWorkloadMaps(tcp_events* skel, const TcpEventsConfig& config) {
  const uint32_t cells = config.attribution ? config.cells : 0;
  const uint32_t workloads = config.attribution ? config.max_workloads : 0;
  skel->rodata->attribution = config.attribution ? 1 : 0;
  bpf_map__set_max_entries(skel->maps.port_counters, config.max_slots + cells);
  // Maps cannot be empty: with attribution off they keep one unused entry.
  const uint32_t all_cells = config.max_slots + cells;
  bpf_map__set_max_entries(skel->maps.cgroup_cell, all_cells);
  bpf_map__set_max_entries(skel->maps.cell_live, all_cells);
  bpf_map__set_max_entries(skel->maps.cell_pair, all_cells);
  bpf_map__set_max_entries(skel->maps.free_cells, all_cells);
  const uint32_t slots = workloads > SE_WORKLOAD_HOST ? workloads : SE_WORKLOAD_HOST + 1;
  bpf_map__set_max_entries(skel->maps.workload_slot, slots);
  bpf_map__set_max_entries(skel->maps.slot_cgroup, slots);
  bpf_map__set_max_entries(skel->maps.free_workloads, slots);
}

bool TcpEventsProbe::InitWorkloadMaps(std::string* error) {
  retired_.assign(config_.max_slots, se_port_counters{});
  if (!config_.attribution) return true;
  unpublished_.assign(config_.max_workloads, false);
  state_.assign(config_.cells, CellState::kInUse);
  const uint64_t root = kRootCgroupId;
  const uint32_t host = SE_WORKLOAD_HOST;
  bool ok = bpf_map_update_elem(bpf_map__fd(skel_->maps.slot_cgroup), &host, &root, BPF_ANY) == 0 &&
            bpf_map_update_elem(bpf_map__fd(skel_->maps.workload_slot), &root, &host, BPF_ANY) == 0;
  for (uint32_t w = SE_WORKLOAD_HOST + 1; ok && w < config_.max_workloads; ++w)
    ok = bpf_map_update_elem(bpf_map__fd(skel_->maps.free_workloads), nullptr, &w, BPF_ANY) == 0;
  for (uint32_t i = 0; ok && i < config_.cells; ++i) {
    const uint32_t cell = config_.max_slots + i;
    ok = bpf_map_update_elem(bpf_map__fd(skel_->maps.free_cells), nullptr, &cell, BPF_ANY) == 0;
  }
  if (!ok) *error = std::string("cannot fill the workload slot queues: ") + std::strerror(errno);
  return ok;
}

std::vector<uint32_t> TcpEventsProbe::CellKeys() const {
  std::vector<uint32_t> keys(config_.cells), values(config_.cells, 0), out(config_.cells, 0);
  const uint32_t n =
      ReadArray(bpf_map__fd(skel_->maps.cell_pair), config_.max_slots, config_.cells,
                sizeof(uint32_t), keys.data(), reinterpret_cast<uint8_t*>(values.data()));
  for (uint32_t i = 0; i < n; ++i) {
    if (keys[i] >= config_.max_slots && keys[i] - config_.max_slots < config_.cells)
      out[keys[i] - config_.max_slots] = values[i];
  }
  return out;
}

std::vector<uint64_t> TcpEventsProbe::SlotCgroups() const {
  const uint32_t n_slots = config_.max_workloads;
  std::vector<uint32_t> keys(n_slots);
  std::vector<uint64_t> values(n_slots, 0), out(n_slots, 0);
  const uint32_t n = ReadArray(bpf_map__fd(skel_->maps.slot_cgroup), 0, n_slots, sizeof(uint64_t),
                               keys.data(), reinterpret_cast<uint8_t*>(values.data()));
  for (uint32_t i = 0; i < n; ++i) {
    if (keys[i] < n_slots) out[keys[i]] = values[i];
  }
  // A slot popped by a program that then lost the race to publish the same cgroup holds a
  // name but is free again: only the published slot of each cgroup counts.
  // Checked once per (slot, cgroup): a published slot keeps its cgroup until it is released.
  const int fd = bpf_map__fd(skel_->maps.workload_slot);
  verified_.resize(n_slots, 0);
  for (uint32_t w = 0; w < n_slots; ++w) {
    uint32_t published = 0;
    if (!out[w] || out[w] == verified_[w]) continue;
    if (bpf_map_lookup_elem(fd, &out[w], &published) == 0 && published == w)
      verified_[w] = out[w];
    else
      out[w] = 0;
  }
  return out;
}

void TcpEventsProbe::ReadWorkloadCells(KernelSnapshot* snap, std::vector<se_port_counters>* slots,
                                       bool workloads) const {
  std::lock_guard<std::mutex> lock(cells_mu_);
  const std::vector<se_port_counters> pairs = ReadCounters(config_.max_slots, config_.cells);
  const std::vector<uint32_t> keys = CellKeys();
  // Every cell counts in the per-port totals; a workload being recycled is hidden from the
  // per-workload view, and its counts are shown nowhere else.
  const std::vector<se_port_counters> by_slot = CellsToSlots(pairs, keys, slots->size());
  if (workloads) FoldWorkloads(*slots, pairs, keys, snap);
  for (size_t s = 0; s < slots->size(); ++s) {
    AddPortCounters(&(*slots)[s], by_slot[s]);
    AddPortCounters(&(*slots)[s], retired_[s]);
  }
}

// snap->workloads from the port cells (workload "other") and the published pair cells.
void TcpEventsProbe::FoldWorkloads(const std::vector<se_port_counters>& slots,
                                   const std::vector<se_port_counters>& pairs,
                                   const std::vector<uint32_t>& keys, KernelSnapshot* snap) const {
  std::vector<se_port_counters> cells(slots.begin(), slots.end());
  std::vector<uint32_t> cell_keys(slots.size());
  for (uint32_t s = 0; s < slots.size(); ++s) cell_keys[s] = se_cell_key(SE_WORKLOAD_OTHER, s);
  for (uint32_t i = 0; i < config_.cells; ++i) {
    const uint32_t w = se_cell_workload(keys[i]);
    if (!keys[i] || w >= unpublished_.size() || unpublished_[w]) continue;
    cells.push_back(pairs[i]);
    cell_keys.push_back(keys[i]);
  }
  snap->workloads = FoldCells(cells, cell_keys, snap->ports);
  snap->workload_cgroups = SlotCgroups();
  snap->workload_folds = __atomic_load_n(&skel_->bss->workload_folds, __ATOMIC_RELAXED);
  for (size_t w = 0; w < snap->workload_cgroups.size(); ++w) {
    if (unpublished_[w]) snap->workload_cgroups[w] = 0;
  }
}

std::vector<std::pair<uint32_t, uint64_t>> TcpEventsProbe::Workloads() const {
  std::lock_guard<std::mutex> lock(cells_mu_);
  std::vector<std::pair<uint32_t, uint64_t>> out;
  if (!config_.attribution) return out;
  const std::vector<uint64_t> cgroups = SlotCgroups();
  for (uint32_t w = 0; w < cgroups.size(); ++w) {
    if (cgroups[w] && !unpublished_[w]) out.emplace_back(w, cgroups[w]);
  }
  return out;
}

void TcpEventsProbe::UnpublishWorkload(uint32_t slot) {
  std::lock_guard<std::mutex> lock(cells_mu_);
  if (slot <= SE_WORKLOAD_HOST || slot >= unpublished_.size() || unpublished_[slot]) return;
  uint64_t cgroup = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.slot_cgroup), &slot, &cgroup) == 0 && cgroup)
    bpf_map_delete_elem(bpf_map__fd(skel_->maps.workload_slot), &cgroup);
  unpublished_[slot] = true;
}

// Frees one sealed cell: its counts move into the per-port totals and it is cleared before
// the kernel can hand it out again.
void TcpEventsProbe::FreeCell(uint32_t i, uint32_t key) {
  const uint32_t cell = config_.max_slots + i;
  const std::vector<se_port_counters> counts = ReadCounters(cell, 1);
  const uint32_t port_slot = se_cell_port(key);
  AddPortCounters(&retired_[port_slot < retired_.size() ? port_slot : SE_SLOT_OTHER], counts[0]);
  std::vector<uint8_t> zeros(((sizeof(se_port_counters) + 7) / 8 * 8) * num_cpus_, 0);
  bpf_map_update_elem(bpf_map__fd(skel_->maps.port_counters), &cell, zeros.data(), BPF_ANY);
  const uint32_t none = 0;
  bpf_map_update_elem(bpf_map__fd(skel_->maps.cell_pair), &cell, &none, BPF_ANY);
  bpf_map_update_elem(bpf_map__fd(skel_->maps.free_cells), nullptr, &cell, BPF_ANY);
  state_[i] = CellState::kInUse;  // free cells look "in use" until published again
}

// Connections started in a cell and not yet ended, summed over CPUs.
int64_t TcpEventsProbe::CellLive(uint32_t cell) const {
  std::vector<int64_t> per_cpu(num_cpus_, 0);
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.cell_live), &cell, per_cpu.data()) != 0)
    return 1;  // unreadable: treated as busy
  int64_t live = 0;
  for (int64_t v : per_cpu) live += v;
  return live;
}

// Each cell of the workload: sealed (no new connection can find it), then quiet (no live
// connection at two calls in a row, so a program that found it just before the seal has
// finished), then freed.
bool TcpEventsProbe::ReleaseWorkload(uint32_t slot) {
  std::lock_guard<std::mutex> lock(cells_mu_);
  if (slot <= SE_WORKLOAD_HOST || slot >= unpublished_.size() || !unpublished_[slot]) return false;
  uint64_t cgroup = 0;
  bpf_map_lookup_elem(bpf_map__fd(skel_->maps.slot_cgroup), &slot, &cgroup);
  const std::vector<uint32_t> keys = CellKeys();
  bool busy = false;
  for (uint32_t i = 0; i < config_.cells; ++i) {
    if (!keys[i] || se_cell_workload(keys[i]) != slot) continue;
    if (state_[i] == CellState::kInUse) {
      if (!Seal(i, cgroup, keys[i])) continue;  // lost a race to publish: free already
      busy = true;
    } else if (CellLive(config_.max_slots + i) != 0) {
      state_[i] = CellState::kSealed;
      busy = true;
    } else if (state_[i] == CellState::kSealed) {
      state_[i] = CellState::kQuiet;
      busy = true;
    } else {
      FreeCell(i, keys[i]);
    }
  }
  if (busy) return false;
  const uint64_t none = 0;
  bpf_map_update_elem(bpf_map__fd(skel_->maps.slot_cgroup), &slot, &none, BPF_ANY);
  if (slot < verified_.size()) verified_[slot] = 0;
  unpublished_[slot] = false;
  bpf_map_update_elem(bpf_map__fd(skel_->maps.free_workloads), nullptr, &slot, BPF_ANY);
  return true;
}

// Unpublishes pair cell i of the workload of `cgroup`; false if the cell was never published
// under its pair (it lost the race and went back to the queue).
bool TcpEventsProbe::Seal(uint32_t i, uint64_t cgroup, uint32_t key) {
  const uint32_t cell = config_.max_slots + i;
  const int fd = bpf_map__fd(skel_->maps.cgroup_cell);
  se_cgroup_port k{};
  k.cgroup = cgroup;
  k.port_slot = key & 0xffff;
  uint32_t published = 0;
  if (bpf_map_lookup_elem(fd, &k, &published) != 0 || published != cell) return false;
  bpf_map_delete_elem(fd, &k);
  // The cgroup's own cache of this cell (workloads.bpf.h) stops trusting it too.
  const uint32_t sealed = key | SE_CELL_SEALED;
  bpf_map_update_elem(bpf_map__fd(skel_->maps.cell_pair), &cell, &sealed, BPF_ANY);
  state_[i] = CellState::kSealed;
  return true;
}

}  // namespace se
