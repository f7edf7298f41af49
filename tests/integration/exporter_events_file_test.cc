// --events.file and log rotation: after the file is renamed and the exporter gets SIGHUP, new
// findings go to a new file at the configured path, and the rotated one keeps the old lines.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "harness/command.h"
#include "harness/expectations.h"
#include "harness/namespaced_test.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

constexpr char kFindings[] = "socket_suspicious_connections_total";

Labels Listener(uint16_t port) {
  return {{"port", std::to_string(port)}, {"rule", "unexpected_listener"}};
}

class ExporterEventsFileTest : public NamespacedExporterTest {
 protected:
  void TearDown() override {
    for (const std::string& path : {config_, events_, events_ + ".1"}) unlink(path.c_str());
  }
  // Listens on `port` in the namespace (not allowed by the policy) and waits for the finding.
  void ListenAndSeeFinding(uint16_t port) {
    ns_.RunIn([&] { listeners_.push_back(ListenTcp({kLoopback4, port}, 16)); });
    const ExpectedValues want = {{kFindings, Listener(port), 1}};
    ExpectValues(exporter_->ScrapeUntil(Reached(want)), want);
  }

  std::string config_ = MakeTempFile("se-events-config");
  std::string events_ = MakeTempFile("se-events");
  std::vector<UniqueFd> listeners_;
};

TEST_F(ExporterEventsFileTest, SighupAfterRenameWritesNewFindingsToANewFileAtThePath) {
  std::ofstream(config_) << "policy:\n  allowed_listen_ports: [22]\n";
  ASSERT_TRUE(StartExporter({"--config.file=" + config_, "--events.file=" + events_}));
  ListenAndSeeFinding(9101);
  const std::string rotated = events_ + ".1";
  ASSERT_EQ(rename(events_.c_str(), rotated.c_str()), 0);  // as logrotate does

  ASSERT_EQ(kill(exporter_->pid(), SIGHUP), 0);
  exporter_->ScrapeUntil([&](const ParsedMetrics&) {
    return exporter_->Stderr().find("events file reopened") != std::string::npos;
  });
  EXPECT_NE(exporter_->Stderr().find("events file reopened"), std::string::npos)
      << exporter_->Stderr();
  ListenAndSeeFinding(9102);

  const std::string old_lines = ReadFile(rotated), new_lines = ReadFile(events_);
  EXPECT_NE(old_lines.find("\"dst_port\":9101"), std::string::npos) << old_lines;
  EXPECT_EQ(old_lines.find("\"dst_port\":9102"), std::string::npos) << old_lines;
  EXPECT_NE(new_lines.find("\"dst_port\":9102"), std::string::npos) << new_lines;
  EXPECT_EQ(new_lines.find("\"dst_port\":9101"), std::string::npos) << new_lines;
  EXPECT_TRUE(exporter_->Running());
}

TEST_F(ExporterEventsFileTest, FailedReopenKeepsWritingToTheOpenFile) {
  std::ofstream(config_) << "policy:\n  allowed_listen_ports: [22]\n";
  ASSERT_TRUE(StartExporter({"--config.file=" + config_, "--events.file=" + events_}));
  const std::string rotated = events_ + ".1";
  ASSERT_EQ(rename(events_.c_str(), rotated.c_str()), 0);
  ASSERT_EQ(symlink(rotated.c_str(), events_.c_str()), 0);  // the reopen refuses a symlink

  ASSERT_EQ(kill(exporter_->pid(), SIGHUP), 0);
  exporter_->ScrapeUntil([&](const ParsedMetrics&) {
    return exporter_->Stderr().find("cannot reopen the events file") != std::string::npos;
  });
  const std::string log = exporter_->Stderr();
  EXPECT_NE(log.find("cannot reopen the events file"), std::string::npos) << log;
  EXPECT_NE(log.find("is a symbolic link"), std::string::npos) << log;
  ListenAndSeeFinding(9103);
  EXPECT_NE(ReadFile(rotated).find("\"dst_port\":9103"), std::string::npos) << ReadFile(rotated);
  EXPECT_TRUE(exporter_->Running());
}

}  // namespace
}  // namespace se::test
