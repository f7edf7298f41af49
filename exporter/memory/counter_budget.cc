#include "memory/counter_budget.h"

#include <algorithm>

namespace se {

std::string CounterBudgetError(uint32_t ports_max, uint64_t per_slot_bytes, int cpus) {
  const uint64_t per_slot = per_slot_bytes * static_cast<uint64_t>(std::max(1, cpus));
  const uint64_t slots_fit = kCounterBudgetBytes / per_slot;
  const uint64_t slots = static_cast<uint64_t>(ports_max) + 1;  // slot 0 is "other"
  if (slots <= slots_fit) return "";
  return "--ports.max=" + std::to_string(ports_max) + " needs " +
         std::to_string(slots * per_slot >> 20) + " MiB of per-CPU counters on this machine's " +
         std::to_string(cpus) + " CPUs; lower it to at most " + std::to_string(slots_fit - 1);
}

}  // namespace se
