#include "memory/counter_budget.h"

#include <gtest/gtest.h>

#include "socket_exporter.h"

namespace se {
namespace {

constexpr uint64_t kPerSlot = sizeof(se_port_counters);

TEST(CounterBudgetTest, TheDefaultPortsFitOnA128CpuNodeAndEveryPortOnA64CpuOne) {
  EXPECT_EQ(CounterBudgetError(128, kPerSlot, 128), "");
  EXPECT_EQ(CounterBudgetError(SE_MAX_SLOTS - 1, kPerSlot, 64), "");
  EXPECT_EQ(CounterBudgetError(SE_MAX_SLOTS - 1, kPerSlot, 2), "");
}

TEST(CounterBudgetTest, TooManyPortsForTheCpusSayWhatFits) {
  // 512 slots x 1456 B x 128 CPUs = 91 MiB; 64 MiB holds 360 slots, so --ports.max=359.
  ASSERT_EQ(kPerSlot, 1456u);
  EXPECT_EQ(CounterBudgetError(511, kPerSlot, 128),
            "--ports.max=511 needs 91 MiB of per-CPU counters on this machine's 128 CPUs; lower "
            "it to at most 359");
  EXPECT_EQ(CounterBudgetError(359, kPerSlot, 128), "");
  EXPECT_NE(CounterBudgetError(360, kPerSlot, 128), "");
}

}  // namespace
}  // namespace se
