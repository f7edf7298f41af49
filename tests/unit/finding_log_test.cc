#include "findings/finding_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace se {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;

const steady_clock::time_point kT0 = steady_clock::time_point() + std::chrono::hours(1);
// 2026-11-29T10:00:00.123Z
const system_clock::time_point kWall =
    system_clock::time_point() + seconds(1795946400) + milliseconds(123);

EventLogConfig Limits(uint32_t burst, milliseconds interval, uint32_t max_keys = 4096) {
  EventLogConfig config;
  config.burst = burst;
  config.interval = interval;
  config.max_keys = max_keys;
  config.max_lines_per_second = 100000;  // out of the way unless a test is about it
  return config;
}

Finding Scan(const std::string& source) {
  Finding f;
  f.rule = "port_scan";
  f.source_address = source;
  f.destination_port = 22;
  f.count = 20;
  f.extra = {{"scan_type", "vertical"}};
  return f;
}

// Captures what the process log writes, as log_test checks the formatted lines.
class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured_));
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  // Captured lines with their leading "ts=... " removed.
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(captured_.str());
    for (std::string line; std::getline(in, line);) {
      const size_t level = line.find("level=");
      lines.push_back(level == std::string::npos ? line : line.substr(level));
    }
    return lines;
  }

  std::ostringstream captured_;
  std::shared_ptr<spdlog::logger> previous_;
};

std::unique_ptr<FindingLog> OpenOrDie(const EventLogConfig& config, const std::string& file = "") {
  std::string error;
  std::unique_ptr<FindingLog> log = FindingLog::Open(config, file, &error, [] { return kWall; });
  EXPECT_TRUE(log) << error;
  return log;
}

TEST_F(EventLogTest, TokenBucketAllowsBurstThenOnePerInterval) {
  auto log = OpenOrDie(Limits(3, seconds(10)));
  const Finding f = Scan("192.0.2.7");
  std::string trace;
  const auto at = [&](steady_clock::duration d) { trace += log->Record(f, kT0 + d) ? 'W' : '.'; };
  for (int i = 0; i < 4; ++i) at(seconds(0));
  at(milliseconds(9999));
  at(seconds(10));
  at(seconds(10));
  at(seconds(19));
  at(seconds(20));
  at(seconds(25));
  at(seconds(30));
  EXPECT_EQ(trace, "WWW..W..W.W");
  // A long silence refills to the burst, never beyond it.
  trace.clear();
  for (int i = 0; i < 4; ++i) at(seconds(1000));
  EXPECT_EQ(trace, "WWW.");
  // The next token comes one interval after the full bucket was first used again.
  trace.clear();
  at(seconds(1009));
  at(seconds(1010));
  EXPECT_EQ(trace, ".W");
  EXPECT_EQ(log->suppressed(), 7u);
}

TEST_F(EventLogTest, LineAfterSuppressionCarriesTheCount) {
  auto log = OpenOrDie(Limits(1, seconds(10)));
  const Finding f = Scan("192.0.2.7");
  EXPECT_TRUE(log->Record(f, kT0));
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(log->Record(f, kT0 + seconds(1)));
  EXPECT_EQ(log->suppressed(), 4u);
  EXPECT_TRUE(log->Record(f, kT0 + seconds(10)));
  EXPECT_TRUE(log->Record(f, kT0 + seconds(20)));
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  const std::string base =
      "level=warn msg=\"port scan\" event=finding rule=port_scan src=192.0.2.7 src_port=0 "
      "dst=\"\" dst_port=22 process=\"\" count=20";
  EXPECT_EQ(lines[0], base + " scan_type=vertical");
  EXPECT_EQ(lines[1], base + " suppressed=4 scan_type=vertical");
  EXPECT_EQ(lines[2], base + " scan_type=vertical");
  EXPECT_EQ(log->suppressed(), 4u);
}

// A listener finding has no source: its local address and port make the key.
TEST_F(EventLogTest, FindingsWithoutASourceAreKeyedByLocalAddressAndPort) {
  auto log = OpenOrDie(Limits(1, seconds(10)));
  Finding listener;
  listener.rule = "unexpected_listener";
  listener.destination_address = "10.0.0.1";
  listener.destination_port = 9000;
  EXPECT_TRUE(log->Record(listener, kT0));
  EXPECT_FALSE(log->Record(listener, kT0));
  listener.destination_port = 9001;
  EXPECT_TRUE(log->Record(listener, kT0));
  listener.destination_address = "10.0.0.2";
  EXPECT_TRUE(log->Record(listener, kT0));
  EXPECT_EQ(log->keys(), 3u);
  EXPECT_EQ(log->suppressed(), 1u);
}

TEST_F(EventLogTest, KeysAreRuleAndSourceIndependently) {
  auto log = OpenOrDie(Limits(1, seconds(10)));
  Finding a = Scan("192.0.2.1");
  EXPECT_TRUE(log->Record(a, kT0));
  EXPECT_FALSE(log->Record(a, kT0));
  a.destination_port = 80;  // other fields do not make another key
  EXPECT_FALSE(log->Record(a, kT0));
  EXPECT_TRUE(log->Record(Scan("192.0.2.2"), kT0));
  Finding denied = Scan("192.0.2.1");
  denied.rule = "denied_source";
  EXPECT_TRUE(log->Record(denied, kT0));
  EXPECT_FALSE(log->Record(denied, kT0));
  EXPECT_EQ(log->keys(), 3u);
  EXPECT_EQ(log->suppressed(), 3u);
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].rfind("level=warn msg=\"suspicious connection\" event=finding", 0), 0u)
      << lines[2];
}

TEST_F(EventLogTest, ForgetsLeastRecentlyUsedKeyBeyondMaxKeys) {
  auto log = OpenOrDie(Limits(1, seconds(10), 2));
  EXPECT_TRUE(log->Record(Scan("a"), kT0));
  EXPECT_TRUE(log->Record(Scan("b"), kT0));
  EXPECT_FALSE(log->Record(Scan("a"), kT0));  // a is now the most recent, b the least
  EXPECT_TRUE(log->Record(Scan("c"), kT0));   // forgets b
  EXPECT_EQ(log->keys(), 2u);
  EXPECT_FALSE(log->Record(Scan("a"), kT0));  // a still remembered and out of tokens
  EXPECT_TRUE(log->Record(Scan("b"), kT0));   // b starts afresh; forgets c
  EXPECT_TRUE(log->Record(Scan("c"), kT0));   // forgets a
  EXPECT_TRUE(log->Record(Scan("a"), kT0));
  EXPECT_EQ(log->keys(), 2u);
  for (int i = 0; i < 10000; ++i) log->Record(Scan(std::to_string(i)), kT0);
  EXPECT_EQ(log->keys(), 2u);
}

TEST_F(EventLogTest, ReconfigureShrinksKeysAndBurst) {
  auto log = OpenOrDie(Limits(5, seconds(10)));
  for (int i = 0; i < 10; ++i) log->Record(Scan(std::to_string(i)), kT0);
  EXPECT_EQ(log->keys(), 10u);
  log->Reconfigure(Limits(2, seconds(10), 4));
  EXPECT_EQ(log->keys(), 4u);
  // Key "9" kept 4 tokens; the new burst caps it at 2.
  EXPECT_TRUE(log->Record(Scan("9"), kT0));
  EXPECT_TRUE(log->Record(Scan("9"), kT0));
  EXPECT_FALSE(log->Record(Scan("9"), kT0));
}

TEST(EventLogFormatTest, JsonEscapeHandlesQuotesControlsAndBadUtf8) {
  EXPECT_EQ(JsonEscape("plain"), "plain");
  EXPECT_EQ(JsonEscape("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(JsonEscape("\n\r\t\b\f"), "\\n\\r\\t\\b\\f");
  EXPECT_EQ(JsonEscape(std::string("\x01\x1f\x7f", 3)), "\\u0001\\u001f\\u007f");
  EXPECT_EQ(JsonEscape(std::string("a\0b", 3)), "a\\u0000b");
  EXPECT_EQ(JsonEscape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92");
  EXPECT_EQ(JsonEscape("\xff"), "\\ufffd");
  EXPECT_EQ(JsonEscape("\xe2\x82"), "\\ufffd\\ufffd");                        // truncated
  EXPECT_EQ(JsonEscape("\xc0\xaf"), "\\ufffd\\ufffd");                        // overlong '/'
  EXPECT_EQ(JsonEscape("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");             // surrogate
  EXPECT_EQ(JsonEscape("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");  // > U+10FFFF
  EXPECT_EQ(JsonEscape("\xe2\x82x"), "\\ufffd\\ufffdx");
}

TEST(EventLogFormatTest, Rfc3339MillisInUtc) {
  EXPECT_EQ(Rfc3339Millis(kWall), "2026-11-29T10:00:00.123Z");
  EXPECT_EQ(Rfc3339Millis(system_clock::time_point()), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Rfc3339Millis(system_clock::time_point() - milliseconds(1)),
            "1969-12-31T23:59:59.999Z");
}

TEST(EventLogFormatTest, FieldsInFixedOrderForBothLogFormats) {
  Finding f;
  f.rule = "unexpected_egress";
  f.source_address = "10.0.0.5";
  f.source_port = 40000;
  f.destination_address = "203.0.113.9";
  f.destination_port = 4444;
  f.process = "nc \"x\"";
  f.count = 3;
  f.extra = {{"pid", "77"}, {"netns", "4026531840"}};
  const log::Fields fields = FindingFields(f, 2);
  EXPECT_EQ(log::FormatLine(LogFormat::kLogfmt, "T", "warn", "suspicious connection", fields),
            "ts=T level=warn msg=\"suspicious connection\" event=finding rule=unexpected_egress "
            "src=10.0.0.5 src_port=40000 dst=203.0.113.9 dst_port=4444 process=\"nc \\\"x\\\"\" "
            "count=3 suppressed=2 pid=77 netns=4026531840");
  EXPECT_EQ(
      log::FormatLine(LogFormat::kJson, "T", "warn", "suspicious connection", FindingFields(f, 0)),
      "{\"ts\":\"T\",\"level\":\"warn\",\"msg\":\"suspicious connection\","
      "\"event\":\"finding\",\"rule\":\"unexpected_egress\",\"src\":\"10.0.0.5\","
      "\"src_port\":\"40000\",\"dst\":\"203.0.113.9\",\"dst_port\":\"4444\","
      "\"process\":\"nc \\\"x\\\"\",\"count\":\"3\",\"pid\":\"77\",\"netns\":\"4026531840\"}");
}

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "event_log_test_" + std::to_string(getpid()) + "_" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(EventLogTest, FileGetsOneJsonObjectPerWrittenLine) {
  const std::string path = TempPath("events.json");
  unlink(path.c_str());
  {
    std::ofstream existing(path);
    existing << "{\"earlier\":1}\n";
  }
  auto log = OpenOrDie(Limits(1, seconds(10)), path);
  ASSERT_TRUE(log);
  Finding f;
  f.rule = "unexpected_listener";
  f.destination_address = "0.0.0.0";
  f.destination_port = 31337;
  f.process = std::string("ev\"il\\\n\x01\xff", 9);
  f.extra = {{"protocol", "tcp"}};
  EXPECT_TRUE(log->Record(f, kT0));
  EXPECT_FALSE(log->Record(f, kT0));
  EXPECT_FALSE(log->Record(f, kT0));
  EXPECT_TRUE(log->Record(f, kT0 + seconds(10)));
  EXPECT_EQ(ReadAll(path),
            "{\"earlier\":1}\n"
            "{\"time\":\"2026-11-29T10:00:00.123Z\",\"rule\":\"unexpected_listener\",\"src\":\"\","
            "\"src_port\":0,\"dst\":\"0.0.0.0\",\"dst_port\":31337,"
            "\"process\":\"ev\\\"il\\\\\\n\\u0001\\ufffd\",\"count\":1,\"protocol\":\"tcp\"}\n"
            "{\"time\":\"2026-11-29T10:00:00.123Z\",\"rule\":\"unexpected_listener\",\"src\":\"\","
            "\"src_port\":0,\"dst\":\"0.0.0.0\",\"dst_port\":31337,"
            "\"process\":\"ev\\\"il\\\\\\n\\u0001\\ufffd\",\"count\":1,\"suppressed\":2,"
            "\"protocol\":\"tcp\"}\n");
  EXPECT_EQ(Lines().size(), 2u);
  unlink(path.c_str());
}

TEST_F(EventLogTest, NewFileIsCreatedReadableAndWritableByItsOwnerOnly) {
  const std::string path = TempPath("mode.json");
  unlink(path.c_str());
  const mode_t old_umask = umask(022);
  auto log = OpenOrDie(Limits(1, seconds(10)), path);
  umask(old_umask);
  ASSERT_TRUE(log);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(ReadAll(path), "");  // nothing until a finding
  unlink(path.c_str());
}

TEST(EventLogOpenTest, ErrorNamesFlagPathAndCause) {
  std::string error;
  EXPECT_FALSE(FindingLog::Open(Limits(1, seconds(1)), "/nonexistent-dir/events.json", &error));
  EXPECT_EQ(error, "--events.file=/nonexistent-dir/events.json: No such file or directory");
  EXPECT_FALSE(FindingLog::Open(Limits(1, seconds(1)), ::testing::TempDir(), &error));
  EXPECT_EQ(error, "--events.file=" + ::testing::TempDir() + ": Is a directory");
  const std::string fifo = TempPath("fifo");
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // A FIFO without a reader fails at once instead of blocking start-up.
  EXPECT_FALSE(FindingLog::Open(Limits(1, seconds(1)), fifo, &error));
  EXPECT_EQ(error, "--events.file=" + fifo + ": not a regular file");
  unlink(fifo.c_str());
  EXPECT_TRUE(FindingLog::Open(Limits(1, seconds(1)), "", &error));
}

std::string OpenError(const std::string& path) {
  std::string error;
  EXPECT_FALSE(FindingLog::Open(Limits(1, seconds(1)), path, &error)) << path;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  return error;
}

TEST(EventLogOpenTest, SymlinkIsRefusedAndItsTargetLeftAlone) {
  const std::string target = TempPath("symlink-target.json"), link = TempPath("symlink.json");
  unlink(target.c_str());
  unlink(link.c_str());
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  const std::string refused =
      "--events.file=" + link + ": is a symbolic link; give the path of the file itself";
  // Dangling: following it would create the target.
  EXPECT_EQ(OpenError(link), refused);
  EXPECT_NE(access(target.c_str(), F_OK), 0);
  std::ofstream(target) << "precious\n";
  EXPECT_EQ(OpenError(link), refused);
  EXPECT_EQ(ReadAll(target), "precious\n");
  unlink(link.c_str());
  unlink(target.c_str());
}

TEST(EventLogOpenTest, OnlyARegularFileIsAccepted) {
  const std::string fifo = TempPath("fifo-with-reader");
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const UniqueFd reader(open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  ASSERT_TRUE(reader);  // with a reader, opening the FIFO for writing succeeds
  EXPECT_EQ(OpenError(fifo), "--events.file=" + fifo + ": not a regular file");
  unlink(fifo.c_str());
  EXPECT_EQ(OpenError("/dev/null"), "--events.file=/dev/null: not a regular file");
  // procfs files stat as regular files but are kernel interfaces.
  EXPECT_EQ(OpenError("/proc/version"), "--events.file=/proc/version: not a regular file");
}

TEST(EventLogOpenTest, FileWritableByGroupOrOthersIsRefused) {
  const std::string path = TempPath("mode-check.json");
  for (const mode_t mode : {0664, 0646, 0666}) {
    unlink(path.c_str());
    std::ofstream(path) << "";
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
    char octal[8];
    std::snprintf(octal, sizeof(octal), "%04o", static_cast<unsigned>(mode));
    EXPECT_EQ(OpenError(path), "--events.file=" + path + ": writable by group or others (mode " +
                                   octal + "); remove their write permission with chmod go-w");
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, mode);  // refused, not changed
  }
  for (const mode_t mode : {0600, 0640, 0644}) {
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
    std::string error;
    EXPECT_TRUE(FindingLog::Open(Limits(1, seconds(1)), path, &error)) << error;
  }
  unlink(path.c_str());
}

Finding Listener(uint16_t port) {
  Finding f;
  f.rule = "unexpected_listener";
  f.destination_address = "0.0.0.0";
  f.destination_port = port;
  return f;
}

TEST_F(EventLogTest, ReopenWritesToTheRenamedPathsNewFile) {
  const std::string path = TempPath("rotate.json"), rotated = path + ".1";
  unlink(path.c_str());
  unlink(rotated.c_str());
  auto log = OpenOrDie(Limits(5, seconds(10)), path);
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->Record(Listener(1), kT0));
  ASSERT_EQ(rename(path.c_str(), rotated.c_str()), 0);
  ASSERT_TRUE(log->Record(Listener(2), kT0));  // still the open file, now named .1
  EXPECT_TRUE(log->Reopen());
  ASSERT_TRUE(log->Record(Listener(3), kT0));
  EXPECT_NE(ReadAll(rotated).find("\"dst_port\":2"), std::string::npos) << ReadAll(rotated);
  EXPECT_EQ(ReadAll(rotated).find("\"dst_port\":3"), std::string::npos) << ReadAll(rotated);
  EXPECT_EQ(ReadAll(path).find("\"dst_port\":2"), std::string::npos) << ReadAll(path);
  EXPECT_NE(ReadAll(path).find("\"dst_port\":3"), std::string::npos) << ReadAll(path);
  unlink(path.c_str());
  unlink(rotated.c_str());
}

TEST_F(EventLogTest, FailedReopenIsLoggedAndKeepsTheOpenFile) {
  const std::string path = TempPath("reopen-fail.json"), moved = path + ".1";
  unlink(path.c_str());
  unlink(moved.c_str());
  auto log = OpenOrDie(Limits(5, seconds(10)), path);
  ASSERT_TRUE(log);
  ASSERT_EQ(rename(path.c_str(), moved.c_str()), 0);
  ASSERT_EQ(symlink(moved.c_str(), path.c_str()), 0);  // refused by the reopen
  EXPECT_FALSE(log->Reopen());
  ASSERT_TRUE(log->Record(Listener(4), kT0));
  EXPECT_NE(ReadAll(moved).find("\"dst_port\":4"), std::string::npos) << ReadAll(moved);
  const std::vector<std::string> lines = Lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.front().find("level=error msg=\"cannot reopen the events file"),
            std::string::npos)
      << lines.front();
  EXPECT_NE(lines.front().find("is a symbolic link"), std::string::npos) << lines.front();
  unlink(path.c_str());
  unlink(moved.c_str());
}

// Many (spoofed) sources each within their own limit still cannot flood the log.
TEST_F(EventLogTest, AllKeysTogetherStayWithinMaxLinesPerSecond) {
  EventLogConfig config = Limits(5, seconds(10));
  config.max_lines_per_second = 4;
  auto log = OpenOrDie(config);
  std::string trace;
  const auto at = [&](int source, steady_clock::duration d) {
    trace += log->Record(Scan("192.0.2." + std::to_string(source)), kT0 + d) ? 'W' : '.';
  };
  for (int i = 0; i < 6; ++i) at(i, seconds(0));  // 4 lines, then the global limit
  at(6, milliseconds(250));                       // one more line per quarter second
  at(7, milliseconds(250));
  at(8, seconds(10));  // refilled to 4 at most
  at(9, seconds(10));
  at(10, seconds(10));
  at(11, seconds(10));
  at(12, seconds(10));
  EXPECT_EQ(trace, "WWWW..W.WWWW.");
  EXPECT_EQ(log->suppressed(), 4u);
  // A source held back by the global limit keeps its own tokens and reports what it lost.
  at(4, seconds(11));
  EXPECT_EQ(Lines().back().find("suppressed=1") != std::string::npos, true) << Lines().back();
}

TEST_F(EventLogTest, ConcurrentRecordsAreAllAccountedFor) {
  auto log = OpenOrDie(Limits(10, seconds(10), 16));
  std::vector<std::thread> threads;
  std::atomic<uint64_t> written{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        if (log->Record(Scan(std::to_string((t * 1000 + i) % 8)), kT0)) ++written;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(written.load(), 8u * 10u);
  EXPECT_EQ(written.load() + log->suppressed(), 4000u);
  EXPECT_EQ(Lines().size(), 80u);
}

}  // namespace
}  // namespace se
