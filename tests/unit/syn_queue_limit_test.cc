#include <gtest/gtest.h>

#include "snapshot/syn_queue.h"

namespace se {
namespace {

TEST(SynQueueLimit, WithCookiesTheListenBacklogBoundsTheQueue) {
  EXPECT_EQ(SynQueueLimit(128, {.max_syn_backlog = 64, .syncookies = 1}), 128u);
  EXPECT_EQ(SynQueueLimit(128, {.max_syn_backlog = 64, .syncookies = 2}), 128u);
}

TEST(SynQueueLimit, WithoutCookiesThreeQuartersOfMaxSynBacklogAlsoBoundIt) {
  EXPECT_EQ(SynQueueLimit(128, {.max_syn_backlog = 64, .syncookies = 0}), 48u);
  EXPECT_EQ(SynQueueLimit(16, {.max_syn_backlog = 64, .syncookies = 0}), 16u);
  EXPECT_EQ(SynQueueLimit(4096, {.max_syn_backlog = 4096, .syncookies = 0}), 3072u);
}

TEST(SynQueueLimit, UnknownSysctlsFallBackToTheListenBacklog) {
  EXPECT_EQ(SynQueueLimit(32, {.max_syn_backlog = 0, .syncookies = 0}), 32u);
}

}  // namespace
}  // namespace se
