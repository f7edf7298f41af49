// ProcessTable's wire form: what the owner helper sends decodes to the same table, and a reply
// cut short, padded or lying about its size decodes to false instead of a table.
#include "parsers/process_table.h"

#include <gtest/gtest.h>

#include <string>

namespace se {
namespace {

ProcessTable Sample() {
  ProcessTable t;
  t.Add(555, 1200, "worker");
  t.Add(555, 45, "master");  // the lower pid wins
  t.Add(777, 1200, "worker");
  t.Add(1ull << 40, 4000000000u, "");
  return t;
}

TEST(ProcessTableEncoding, RoundTripsEveryOwner) {
  ProcessTable back;
  ASSERT_TRUE(ProcessTable::Decode(Sample().Encode(), &back));
  EXPECT_EQ(back.size(), 3u);
  EXPECT_EQ(back.CommandFor(555), "master");
  EXPECT_EQ(back.CommandFor(777), "worker");
  EXPECT_EQ(back.CommandFor(1ull << 40), "");
  EXPECT_EQ(back.CommandFor(1), "");
}

TEST(ProcessTableEncoding, EmptyTableRoundTrips) {
  ProcessTable back = Sample();
  ASSERT_TRUE(ProcessTable::Decode(ProcessTable().Encode(), &back));
  EXPECT_EQ(back.size(), 0u);
}

TEST(ProcessTableEncoding, TruncatedOrPaddedBytesAreRejectedAndLeaveTheTable) {
  const std::string bytes = Sample().Encode();
  for (size_t len = 0; len < bytes.size(); ++len) {
    ProcessTable out = Sample();
    EXPECT_FALSE(ProcessTable::Decode(std::string_view(bytes).substr(0, len), &out)) << len;
    EXPECT_EQ(out.size(), 3u);
  }
  ProcessTable out;
  EXPECT_FALSE(ProcessTable::Decode(bytes + "x", &out));
}

TEST(ProcessTableEncoding, WrongMagicOrHugeCountIsRejected) {
  std::string bytes = Sample().Encode();
  ProcessTable out;
  std::string wrong = bytes;
  wrong[0] = 'X';
  EXPECT_FALSE(ProcessTable::Decode(wrong, &out));
  std::string huge = bytes;
  for (size_t i = 5; i < 13; ++i) huge[i] = '\xff';  // the u64 count after the magic
  EXPECT_FALSE(ProcessTable::Decode(huge, &out));
  EXPECT_FALSE(ProcessTable::Decode("", &out));
}

TEST(ProcessTableEncoding, LongCommIsCutToWhatOneLengthByteHolds) {
  ProcessTable t;
  t.Add(9, 1, std::string(300, 'a'));
  ProcessTable back;
  ASSERT_TRUE(ProcessTable::Decode(t.Encode(), &back));
  EXPECT_EQ(back.CommandFor(9), std::string(255, 'a'));
}

// A scan only when a listener appears that no scan looked for; a set that shrinks, or that
// holds a socket nobody owns, costs none.
TEST(OwnerCache, ScansOnlyForListenersNotLookedForBefore) {
  OwnerCache cache;
  int scans = 0;
  ProcessTable world;
  world.Add(10, 100, "nginx");
  world.Add(11, 101, "sshd");
  auto scan = [&] {
    ++scans;
    return world;
  };
  EXPECT_EQ(cache.For({10, 11}, scan).CommandFor(10), "nginx");
  EXPECT_EQ(scans, 1);
  EXPECT_EQ(cache.For({10, 11}, scan).CommandFor(11), "sshd");
  EXPECT_EQ(cache.For({11}, scan).CommandFor(11), "sshd");  // one went away
  EXPECT_EQ(scans, 1);
  world.Add(12, 102, "redis");
  EXPECT_EQ(cache.For({11, 12}, scan).CommandFor(12), "redis");  // a new one
  EXPECT_EQ(scans, 2);
  EXPECT_EQ(cache.For({11, 12, 99}, scan).CommandFor(99), "");  // nobody holds 99
  EXPECT_EQ(scans, 3);
  EXPECT_EQ(cache.For({11, 12, 99}, scan).CommandFor(12), "redis");  // ...looked for once
  EXPECT_EQ(scans, 3);
  // 10 left the set above; if it comes back, it is looked for again.
  EXPECT_EQ(cache.For({10, 11, 12, 99}, scan).CommandFor(10), "nginx");
  EXPECT_EQ(scans, 4);
  world.Add(13, 103, "curl");                                   // a socket that is not a listener's
  EXPECT_EQ(cache.For({10, 11, 12, 99, 14}, scan).size(), 3u);  // only the listeners' owners
  EXPECT_EQ(cache.For({}, scan).size(), 3u);
  EXPECT_EQ(scans, 5);
  EXPECT_EQ(cache.scans(), 5u);
}

TEST(OwnerCache, AFailedScanKeepsTheNamesFoundBefore) {
  OwnerCache cache;
  ProcessTable world;
  world.Add(10, 100, "nginx");
  EXPECT_EQ(cache.For({10}, [&] { return world; }).CommandFor(10), "nginx");
  const ProcessTable& after = cache.For({10, 11}, [] { return ProcessTable(); });
  EXPECT_EQ(after.CommandFor(10), "nginx");
  EXPECT_EQ(after.CommandFor(11), "");
  EXPECT_EQ(cache.scans(), 2u);
}

}  // namespace
}  // namespace se
