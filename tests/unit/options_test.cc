#include "config/options.h"

#include <gtest/gtest.h>

namespace se {
namespace {

ParseResult Parse(std::vector<std::string> args) { return ParseFlags(args); }

TEST(OptionsTest, DefaultsWithoutFlags) {
  const auto r = Parse({});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.options.listen_address, ":9976");
  EXPECT_EQ(r.options.telemetry_path, "/metrics");
  EXPECT_EQ(r.options.netns_mode, NetnsMode::kSelf);
  EXPECT_EQ(r.options.ports_max, 128u);
  EXPECT_FALSE(r.options.probes_strict);
  EXPECT_EQ(r.options.syn_hook, SynHookChoice::kAuto);
  EXPECT_EQ(r.options.log_format, LogFormat::kLogfmt);
}

TEST(OptionsTest, SynHookIsAutoCgroupOrTcAndTcNeedsOneNamespace) {
  EXPECT_EQ(Parse({"--probes.syn-hook=tc"}).options.syn_hook, SynHookChoice::kTc);
  EXPECT_EQ(Parse({"--probes.syn-hook", "cgroup"}).options.syn_hook, SynHookChoice::kCgroup);
  EXPECT_EQ(Parse({"--probes.syn-hook=auto", "--netns=all"}).options.syn_hook,
            SynHookChoice::kAuto);
  EXPECT_TRUE(Parse({"--probes.syn-hook=tc", "--netns=/run/netns/x"}).ok);
  auto r = Parse({"--probes.syn-hook=xdp"});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("--probes.syn-hook"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("xdp"), std::string::npos) << r.error;
  // Either order of the two flags.
  for (const auto& args : {std::vector<std::string>{"--netns=all", "--probes.syn-hook=tc"},
                           std::vector<std::string>{"--probes.syn-hook=tc", "--netns=all"}}) {
    r = Parse(args);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error,
              "--probes.syn-hook=tc counts the SYNs of one network namespace's interfaces, not "
              "--netns=all: use --probes.syn-hook=cgroup (or auto) with the host's cgroup v2 root");
  }
}

TEST(OptionsTest, AcceptsEqualsAndSeparateValues) {
  const auto r = Parse({"--web.listen-address=127.0.0.1:9000", "--netns", "all", "--ports.max=7",
                        "--ports.track", "22,8000-8001", "--probes.strict", "--log.format=json",
                        "--log.level", "debug", "--web.telemetry-path=/m"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.options.listen_address, "127.0.0.1:9000");
  EXPECT_EQ(r.options.netns_mode, NetnsMode::kAll);
  EXPECT_EQ(r.options.ports_max, 7u);
  EXPECT_EQ(r.options.track_ports, (std::vector<uint16_t>{22, 8000, 8001}));
  EXPECT_TRUE(r.options.probes_strict);
  EXPECT_EQ(r.options.log_format, LogFormat::kJson);
  EXPECT_EQ(r.options.log_level, "debug");
  EXPECT_EQ(r.options.telemetry_path, "/m");
}

TEST(OptionsTest, NetnsPathAndNegatedBool) {
  const auto r = Parse({"--netns=/run/netns/x", "--probes.strict", "--no-probes.strict"});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.options.netns_mode, NetnsMode::kPath);
  EXPECT_EQ(r.options.netns_path, "/run/netns/x");
  EXPECT_FALSE(r.options.probes_strict);
}

TEST(OptionsTest, BadInputGivesOneLineNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus"}, "unknown flag --bogus"},
      {{"--ports.max=0"}, "--ports.max=0"},
      {{"--ports.max=512"}, "--ports.max=512"},
      {{"--ports.max=abc"}, "--ports.max=abc"},
      {{"--ports.track=22,x"}, "\"x\""},
      {{"--netns=foo"}, "--netns=foo"},
      {{"--log.level=loud"}, "--log.level=loud"},
      {{"--log.format=xml"}, "--log.format=xml"},
      {{"--web.telemetry-path=metrics"}, "--web.telemetry-path=metrics"},
      {{"--web.listen-address"}, "needs a value"},
      {{"stray"}, "unexpected argument \"stray\""},
      {{"--bpf.conn-table-entries=1000"}, "power of two"},
      {{"--bpf.conn-table-entries=524288"}, "from 2 to 262144"},
  };
  for (const auto& [args, needle] : cases) {
    const auto r = Parse(args);
    EXPECT_FALSE(r.ok) << args[0];
    EXPECT_NE(r.error.find(needle), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find('\n'), std::string::npos);
  }
}

TEST(OptionsTest, IntegersAreDigitsOnly) {
  for (const std::string value : {" 5", "+5", "5 ", "5\t", "0x10", "5.0", "1e2", "-0", ""}) {
    for (const std::string flag : {"ports.max", "bpf.conn-table-entries"}) {
      const auto r = Parse({"--" + flag + "=" + value});
      EXPECT_FALSE(r.ok) << flag << "=\"" << value << "\"";
      EXPECT_EQ(r.error.rfind("--" + flag + "=" + value + ": expected a whole number", 0), 0u)
          << r.error;
      EXPECT_EQ(r.error.find('\n'), std::string::npos);
    }
  }
  const auto r = Parse({"--ports.max=0007", "--bpf.conn-table-entries=1024"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.options.ports_max, 7u);
  EXPECT_EQ(r.options.conn_table_entries, 1024u);
}

TEST(OptionsTest, MoreTrackedPortsThanPortsMaxIsAnErrorNamingBoth) {
  auto r = Parse({"--ports.track=1-65535"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error,
            "--ports.track=1-65535: 65535 ports but --ports.max=128; raise --ports.max (at most "
            "511) or track fewer ports");
  // Either order of the two flags.
  r = Parse({"--ports.track", "22,80,443", "--ports.max=2"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("--ports.track=22,80,443: 3 ports but --ports.max=2;", 0), 0u) << r.error;
  r = Parse({"--ports.max=2", "--ports.track=22,80,443"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("--ports.track=22,80,443: 3 ports but --ports.max=2;", 0), 0u) << r.error;
  // Exactly as many as fit, duplicates counted once.
  r = Parse({"--ports.max=3", "--ports.track=22,80,443,80"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.options.track_ports.size(), 3u);
}

TEST(OptionsTest, EmptyPortsTrackItemsAreErrors) {
  for (const std::string value : {",", "80,,81", "80,", ",80", " , "}) {
    const auto r = Parse({"--ports.track=" + value});
    EXPECT_FALSE(r.ok) << value;
    EXPECT_NE(r.error.find("--ports.track: bad token \"\" (an empty item)"), std::string::npos)
        << r.error;
  }
  EXPECT_TRUE(Parse({"--ports.track="}).ok);  // no ports tracked
}

TEST(OptionsTest, HelpListsEveryFlag) {
  const std::string usage = UsageText("socket_exporter");
  for (const char* f :
       {"--web.listen-address", "--web.telemetry-path", "--netns", "--ports.track", "--ports.max",
        "--[no-]probes.strict", "--probes.syn-hook", "--log.level", "--log.format", "--path.procfs",
        "--path.sysfs", "--web.max-connections", "--web.max-connections-per-client",
        "--web.idle-timeout", "--web.max-request-bytes", "--version", "--help"}) {
    EXPECT_NE(usage.find(f), std::string::npos) << f;
  }
}

TEST(OptionsTest, TelemetryPathMustBeLiteralAndUnreserved) {
  for (const std::string good : {"/metrics", "/custom/metrics", "/a-b_c.d~e", "/m/"}) {
    const auto r = Parse({"--web.telemetry-path=" + good});
    EXPECT_TRUE(r.ok) << good << ": " << r.error;
    EXPECT_EQ(r.options.telemetry_path, good);
  }
  for (const std::string bad :
       {"/**", "/m\"><script>", "/metrics?x", "/api/x", "/api", "//m", "/m//x", "/assets/x",
        "/-/healthy", "/-/ready", "/", "", "m", "/m%20", "/m#x", "/m$", "/m'", "/m<", "/m x"}) {
    const auto r = Parse({"--web.telemetry-path=" + bad});
    EXPECT_FALSE(r.ok) << bad;
    EXPECT_EQ(r.error.rfind("--web.telemetry-path=" + bad + ": expected a literal path", 0), 0u)
        << r.error;
  }
}

TEST(OptionsTest, HttpLimitsHaveDefaultsAndBounds) {
  auto r = Parse({});
  EXPECT_EQ(r.options.web_max_connections, 1024u);
  EXPECT_EQ(r.options.web_max_connections_per_client, 64u);
  EXPECT_EQ(r.options.web_idle_timeout_s, 5u);
  EXPECT_EQ(r.options.web_max_request_bytes, 32768u);
  r = Parse({"--web.max-connections=10", "--web.max-connections-per-client=0",
             "--web.idle-timeout=2", "--web.max-request-bytes=8192"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.options.web_max_connections, 10u);
  EXPECT_EQ(r.options.web_max_connections_per_client, 0u);
  EXPECT_EQ(r.options.web_idle_timeout_s, 2u);
  EXPECT_EQ(r.options.web_max_request_bytes, 8192u);
  for (const std::string bad : {"--web.max-connections=0", "--web.idle-timeout=0",
                                "--web.idle-timeout=301", "--web.max-request-bytes=100"}) {
    EXPECT_FALSE(Parse({bad}).ok) << bad;
  }
}

TEST(OptionsTest, AttributionIsCgroupOnANodeAndNoneInASidecar) {
  EXPECT_FALSE(Parse({}).options.Attributed());
  EXPECT_TRUE(Parse({"--netns=all"}).options.Attributed());
  EXPECT_FALSE(Parse({"--netns=all", "--attribution=none"}).options.Attributed());
  EXPECT_TRUE(Parse({"--attribution=cgroup"}).options.Attributed());
  const auto r = Parse({"--workloads.max=3", "--workloads.retention=0",
                        "--path.runtime=/run/a,/var/b", "--metrics.max-series=5000"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.options.workloads_max, 3u);
  EXPECT_EQ(r.options.workloads_retention_s, 0u);
  EXPECT_EQ(r.options.runtime_roots, (std::vector<std::string>{"/run/a", "/var/b"}));
  EXPECT_EQ(r.options.metrics_max_series, 5000u);
  EXPECT_EQ(Parse({}).options.workloads_max, kDefaultWorkloadsMax);
  EXPECT_EQ(Parse({}).options.metrics_max_series, 20000u);
}

TEST(OptionsTest, BadAttributionFlagsNameTheFlagAndTheFix) {
  EXPECT_EQ(Parse({"--attribution=pod"}).error,
            "--attribution=pod: expected one of auto, none, cgroup");
  EXPECT_EQ(Parse({"--workloads.max=0"}).error,
            "--workloads.max=0: expected a whole number from 1 to 1023, digits only");
  EXPECT_EQ(Parse({"--path.runtime=run/x"}).error,
            "--path.runtime=run/x: expected absolute directories separated by commas");
  EXPECT_EQ(Parse({"--metrics.max-series=10"}).error,
            "--metrics.max-series=10: expected a whole number from 1000 to 10000000, digits only");
}

}  // namespace
}  // namespace se
