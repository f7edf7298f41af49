#include "snapshot/kernel_snapshot.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>

namespace se {
namespace {

se_src_sample Sample(uint8_t family, const char* text, uint16_t slot) {
  se_src_sample s{};
  s.family = family;
  s.slot = slot;
  uint8_t bytes[16] = {};
  EXPECT_EQ(inet_pton(family == 4 ? AF_INET : AF_INET6, text, bytes), 1) << text;
  std::memcpy(s.prefix, bytes, sizeof(s.prefix));
  return s;
}

TEST(DecodeSynSourcesTest, PrefixesAndPortsFoldedByTheSameSlotTable) {
  const PortFolding ports({0, 443, 0});
  const auto sources = DecodeSynSources(
      {Sample(4, "10.0.1.0", 1), Sample(6, "2001:db8:0:7::", 2), Sample(4, "192.0.2.0", 0)}, ports);
  ASSERT_EQ(sources.size(), 3u);
  EXPECT_EQ(sources[0].port, "443");
  EXPECT_EQ(sources[0].ToString(), "10.0.1.0/24");
  EXPECT_EQ(sources[1].port, "other");  // a slot without a port
  EXPECT_EQ(sources[1].ToString(), "2001:db8:0:7::/64");
  EXPECT_EQ(sources[2].port, "other");
  EXPECT_EQ(sources[2].ToString(), "192.0.2.0/24");
}

TEST(DecodeSynSourcesTest, EmptyEntriesAreSkipped) {
  se_src_sample empty{};
  EXPECT_TRUE(DecodeSynSources({empty}, PortFolding({0, 80})).empty());
}

TEST(FoldSlotsTest, SummingOverLabelsKeepsTheTotal) {
  std::vector<se_port_counters> slots(5);
  uint64_t total = 0;
  for (size_t i = 0; i < slots.size(); ++i) {
    std::memset(&slots[i], 0, sizeof(se_port_counters));
    slots[i].accepts = 10 + i;
    total += 10 + i;
  }
  const auto folded = FoldSlots(slots, PortFolding({0, 22, 0, 22, 8080}));  // 22 twice
  uint64_t sum = 0;
  for (const auto& c : folded) sum += c.counters.accepts;
  EXPECT_EQ(sum, total);
  ASSERT_EQ(folded.size(), 3u);
  EXPECT_EQ(folded[0].port, "22");
  EXPECT_EQ(folded[0].counters.accepts, 11u + 13u);
  EXPECT_EQ(folded[2].port, "other");
  EXPECT_EQ(folded[2].counters.accepts, 10u + 12u);
}

se_port_counters WithAccepts(uint64_t n) {
  se_port_counters c{};
  c.accepts = n;
  return c;
}

TEST(FoldCellsTest, CellsOfOnePairAndOfFoldedPortsAddUp) {
  const PortFolding ports({0, 443, 80});  // slot 1: 443, slot 2: 80
  // Cells: (other, 443), (other, 80), (2, 443), (2, 80), (3, 443), and a second cell of
  // (2, 80): a port that left the table folds into the same label.
  const auto out = FoldCells({WithAccepts(1), WithAccepts(2), WithAccepts(3), WithAccepts(4),
                              WithAccepts(5), WithAccepts(6)},
                             {se_cell_key(0, 1), se_cell_key(0, 2), se_cell_key(2, 1),
                              se_cell_key(2, 2), se_cell_key(3, 1), se_cell_key(2, 2)},
                             ports);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].workload, 0u);
  EXPECT_EQ(out[0].port, "80");
  EXPECT_EQ(out[0].counters.accepts, 2u);  // labels sorted as ports are: 80 before 443
  EXPECT_EQ(out[1].port, "443");
  EXPECT_EQ(out[1].counters.accepts, 1u);
  EXPECT_EQ(out[2].workload, 2u);
  EXPECT_EQ(out[2].port, "80");
  EXPECT_EQ(out[2].counters.accepts, 4u + 6u);
  EXPECT_EQ(out[4].workload, 3u);
  EXPECT_EQ(out[4].counters.accepts, 5u);
  uint64_t sum = 0;
  for (const auto& w : out) sum += w.counters.accepts;
  EXPECT_EQ(sum, 21u);
}

TEST(FoldCellsTest, CellsToSlotsGivesThePerPortTotals) {
  const auto slots = CellsToSlots({WithAccepts(3), WithAccepts(4), WithAccepts(5)},
                                  {se_cell_key(2, 1), se_cell_key(3, 1), se_cell_key(2, 9)}, 3);
  ASSERT_EQ(slots.size(), 3u);
  EXPECT_EQ(slots[1].accepts, 7u);
  EXPECT_EQ(slots[SE_SLOT_OTHER].accepts, 5u);  // a slot past the table counts as "other"
  EXPECT_EQ(slots[2].accepts, 0u);
}

}  // namespace
}  // namespace se
