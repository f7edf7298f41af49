#pragma once

#include <cstdint>
#include <string>

namespace se {

// The per-CPU counters of every port slot stay within 64 MiB (docs/architecture.md, "Memory").
inline constexpr uint64_t kCounterBudgetBytes = 64ULL << 20;

// Empty when `slots` port slots of `per_slot_bytes` each on `cpus` possible CPUs fit the
// budget; otherwise the start-up error, naming the --ports.max that would fit.
std::string CounterBudgetError(uint32_t ports_max, uint64_t per_slot_bytes, int cpus);

}  // namespace se
