// The structs shared with the BPF programs must keep their layout.
#include <gtest/gtest.h>

#include "socket_exporter.h"

static_assert(sizeof(se_hist) == (SE_HIST_BUCKETS + 1) * 8, "se_hist layout");
static_assert(sizeof(se_port_counters) == 5 * sizeof(se_hist) + (23 + 6 + 8 + SE_UDP_DROP_COUNT + 1) * 8,
              "se_port_counters layout");
static_assert(sizeof(se_sock) == 24, "se_sock layout");
static_assert(sizeof(se_event) == 72, "se_event layout");
static_assert(sizeof(se_lpm_key) == 20, "se_lpm_key layout");
static_assert(sizeof(se_src_sample) == 12 && sizeof(se_src_ring) == 8 + 12 * SE_SRC_RING,
              "se_src_ring layout");
// Every map at its largest setting on a 64-CPU machine (with more CPUs, the exporter refuses a
// --ports.max whose counters would not fit, and fits its workload cells): per-CPU counters, the port table
// (8-byte stride), the slot table, the connection table (8-byte id + se_sock), the event ring,
// the egress port table and the two CIDR tries (at most 128 bytes per node, 2 nodes per entry).
static_assert(static_cast<unsigned long long>(SE_MAX_SLOTS) * sizeof(se_port_counters) * 64 +
                      SE_PORT_COUNT * 8ULL + SE_MAX_SLOTS * 8ULL +
                      (1ULL << SE_CONN_TABLE_MAX_BITS) * (8 + sizeof(se_sock)) +
                      sizeof(se_src_ring) * 128 + SE_EVENTS_RING_BYTES + SE_PORT_COUNT +
                      2ULL * SE_POLICY_MAX_CIDRS * 2 * 128 <=
                  64ULL << 20,
              "all BPF maps must stay below 64 MiB on 64 CPUs");
// Per-CPU map memory bound: the default --ports.max (128) on a 128-CPU machine.
static_assert(static_cast<unsigned long long>(129) * sizeof(se_port_counters) * 128 <=
                  64ULL << 20,
              "per-CPU counter memory must stay below 64 MiB on 128 CPUs");

TEST(AbiTest, HistogramCoversMicrosecondsToTensOfSeconds) {
  EXPECT_EQ(1ULL << SE_HIST_MIN_SHIFT, 1024u);  // first bound 1.024 us
  EXPECT_GE(1ULL << (SE_HIST_MIN_SHIFT + SE_HIST_FINITE - 1), 30ULL * 1000 * 1000 * 1000);
}
