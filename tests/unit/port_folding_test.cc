#include "net/port_folding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace se {
namespace {

// Slot 0 is "other"; slot 2 was lost to an allocation race and has no port.
const PortFolding kFolding({0, 443, 0, 80});

TEST(PortFoldingTest, PortsWithASlotKeepTheirNumberEveryOtherPortIsOther) {
  EXPECT_EQ(kFolding.Label(443), "443");
  EXPECT_EQ(kFolding.Label(80), "80");
  EXPECT_EQ(kFolding.Label(8080), "other");
  EXPECT_EQ(kFolding.Label(0), "other");
}

TEST(PortFoldingTest, SlotsFoldLikeThePortsTheyCount) {
  EXPECT_EQ(kFolding.SlotLabel(0), "other");
  EXPECT_EQ(kFolding.SlotLabel(1), "443");
  EXPECT_EQ(kFolding.SlotLabel(2), "other");
  EXPECT_EQ(kFolding.SlotLabel(3), "80");
  EXPECT_EQ(kFolding.SlotLabel(4), "other");  // beyond the table
  EXPECT_EQ(kFolding.SlotPort(3), 80);
  EXPECT_EQ(kFolding.SlotPort(99), 0);
  EXPECT_EQ(kFolding.slots(), 4u);
}

TEST(PortFoldingTest, AnEmptyTableFoldsEverythingIntoOther) {
  const PortFolding none;
  EXPECT_EQ(none.Label(22), "other");
  EXPECT_EQ(none.SlotLabel(1), "other");
}

TEST(PortLabelLessTest, NumbersInNumericOrderThenOther) {
  std::vector<std::string> labels = {"other", "10000", "9", "443", "80"};
  std::sort(labels.begin(), labels.end(), PortLabelLess());
  EXPECT_EQ(labels, (std::vector<std::string>{"9", "80", "443", "10000", "other"}));
}

}  // namespace
}  // namespace se
