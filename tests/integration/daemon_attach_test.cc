// A probe that fails to attach: served without it (probe_attached=0), or fatal with
// --probes.strict. The failure is injected through the attach hook; everything else is real.
#include <gtest/gtest.h>

#include <cerrno>

#include "daemon/daemon.h"
#include "harness/bpf_programs.h"
#include "harness/http_client.h"
#include "harness/metrics_text.h"
#include "harness/netns.h"
#include "harness/traffic.h"
#include "logging/log.h"

namespace se {
namespace {

using test::Labels;

AttachFn FailFor(const std::string& failing) {
  const AttachFn real = DefaultAttach();
  return [real, failing](bpf_program* prog, const std::string& probe) -> bpf_link* {
    if (probe == failing) {
      errno = ENOENT;
      return nullptr;
    }
    return real(prog, probe);
  };
}

Options ScopedTo(const test::Netns& ns) {
  Options o;
  o.listen_address = "127.0.0.1:0";
  o.netns_mode = NetnsMode::kPath;
  o.netns_path = ns.Path();
  o.log_level = "error";
  return o;
}

TEST(DaemonAttachTest, ProbeThatFailsToAttachIsReportedAndTheRestStillCount) {
  log::Setup(LogFormat::kLogfmt, "error");
  test::Netns ns("attach");
  Daemon daemon(ScopedTo(ns));
  daemon.set_attach_fn(FailFor("tcp_receive_reset"));
  daemon.set_sandboxed(false);  // it would sandbox the test process itself
  std::string error;
  ASSERT_TRUE(daemon.Start(&error)) << error;

  ns.RunIn([] {
    auto listener = test::ListenTcp({test::kLoopback4, 7301}, 16);
    auto conns = test::OpenConnections({test::kLoopback4, 7301}, 4);
    ASSERT_EQ(conns.size(), 4u);
  });
  const auto resp = test::Scrape(daemon.http_port(), "/metrics");
  ASSERT_EQ(resp.status, 200) << resp.error;
  const auto m = test::ParsedMetrics::Parse(resp.body);
  EXPECT_EQ(m.Value("socket_exporter_probe_attached", {{"probe", "tcp_receive_reset"}}), 0);
  EXPECT_EQ(m.Value("socket_exporter_probe_attached", {{"probe", "inet_sock_set_state"}}), 1);
  EXPECT_EQ(m.Value("socket_exporter_probe_attached", {{"probe", "tcp_send_reset"}}), 1);
  EXPECT_EQ(m.Value("socket_tcp_accepts_total", {{"port", "7301"}}), 4);
  EXPECT_EQ(m.Value("socket_tcp_connects_total", {{"port", "7301"}}), 4);
  EXPECT_EQ(test::Scrape(daemon.http_port(), "/-/ready").status, 200);
}

TEST(DaemonAttachTest, StrictModeFailsNamingTheProbeAndLeavesNothingAttached) {
  log::Setup(LogFormat::kLogfmt, "error");
  test::Netns ns("strict");
  const auto baseline = test::BpfProgramIds();
  std::string error;
  {
    Options o = ScopedTo(ns);
    o.probes_strict = true;
    Daemon daemon(o);
    daemon.set_attach_fn(FailFor("tcp_send_reset"));
    daemon.set_sandboxed(false);
    EXPECT_FALSE(daemon.Start(&error));
  }
  EXPECT_NE(error.find("probe tcp_send_reset failed to attach"), std::string::npos) << error;
  EXPECT_NE(error.find("--probes.strict"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
  const auto orphans = test::OrphanedProgramsSince(baseline, std::chrono::seconds(5));
  EXPECT_TRUE(orphans.empty()) << test::Describe(orphans);
}

}  // namespace
}  // namespace se
