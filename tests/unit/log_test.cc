#include "logging/log.h"

#include <gtest/gtest.h>

namespace se::log {
namespace {

TEST(LogTest, LogfmtQuotesOnlyWhereNeeded) {
  EXPECT_EQ(FormatLine(LogFormat::kLogfmt, "T", "info", "listening", {{"port", "9976"}}),
            "ts=T level=info msg=listening port=9976");
  EXPECT_EQ(FormatLine(LogFormat::kLogfmt, "T", "warn", "probe failed", {{"err", "a \"b\""}}),
            "ts=T level=warn msg=\"probe failed\" err=\"a \\\"b\\\"\"");
}

TEST(LogTest, JsonEscapesAndKeepsFieldOrder) {
  EXPECT_EQ(FormatLine(LogFormat::kJson, "T", "error", "bad\nline", {{"k", "v\\"}}),
            "{\"ts\":\"T\",\"level\":\"error\",\"msg\":\"bad\\nline\",\"k\":\"v\\\\\"}");
}

}  // namespace
}  // namespace se::log
