// --web.config.file at start-up and on SIGHUP: a bad file stops the exporter before any BPF
// program is loaded; a reload rotates the certificate, and a broken one keeps the old setup.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/bpf_programs.h"
#include "harness/metrics_text.h"
#include "harness/web_tls_fixture.h"

namespace se::test {
namespace {

using std::chrono::seconds;

struct BadStart {
  std::string what;
  std::string web_yml;
  std::string mention;  // besides the file's path
};

TEST_F(WebTlsTest, BadWebConfigStopsTheStartWithOneLineNamingFileAndProblem) {
  const std::vector<BadStart> cases = {
      {"missing cert file",
       "tls_server_config:\n  cert_file: nonexistent.pem\n  key_file: server.key\n",
       "tls_server_config.cert_file: " + tls_.Path("nonexistent.pem") +
           ": No such file or directory"},
      {"plaintext password", "basic_auth_users:\n  prometheus: s3cret\n",
       "basic_auth_users.prometheus: the value is not a bcrypt hash"},
      {"unsupported key", kServerTls + "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
       "tls_server_config.cipher_suites is not supported"},
      {"bad YAML", "tls_server_config: [\n", "line 2, column 1"},
      {"two documents", "basic_auth_users: {}\n---\nbasic_auth_users: {}\n",
       "a second YAML document"},
      {"not PEM", "tls_server_config:\n  cert_file: web.yml\n  key_file: server.key\n",
       "is not a PEM certificate"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    tls_.Write("web.yml", c.web_yml);
    const std::set<uint32_t> baseline = BpfProgramIds();
    const CommandResult r =
        RunExporterToExit({"--web.listen-address=127.0.0.1:" + std::to_string(PickFreePort()),
                           "--web.config.file=" + tls_.Path("web.yml")},
                          seconds(10));
    ASSERT_FALSE(r.timed_out()) << r.err;
    EXPECT_NE(r.exit_code, 0);
    // One line and nothing else: the check ran before probes were loaded and logged.
    const std::vector<std::string> lines = NonEmptyLines(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_NE(lines[0].find(tls_.Path("web.yml")), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find(c.mention), std::string::npos) << lines[0];
    const std::vector<BpfProgram> left = OrphanedProgramsSince(baseline, seconds(3));
    EXPECT_TRUE(left.empty()) << Describe(left);
  }
}

// Polls until the server presents the given serial; every connection is a new handshake.
std::string WaitForSerial(uint16_t port, const std::string& want, seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string seen;
  while (std::chrono::steady_clock::now() < deadline) {
    seen = PresentedSerial(port);
    if (seen == want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return seen;
}

TEST_F(WebTlsTest, SighupRotatesTheCertificateWhileServing) {
  ASSERT_TRUE(StartWith(kServerTls));
  ASSERT_EQ(PresentedSerial(exporter_->port()), "1001");
  // Scrapes all along the rotation: none may fail.
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, scrapes{0};
  std::string first_failure;  // written by the scraper only, read after join
  std::thread scraper([&] {
    while (!stop) {
      const CurlResult r = Get("/metrics");
      ++scrapes;
      if (r.status != 200 && failures++ == 0) first_failure = Explain(r);
    }
  });
  ASSERT_EQ(tls_.MakeServerPair("2002", tls_.Path("server.pem"), tls_.Path("server.key")), "");
  ASSERT_EQ(kill(exporter_->pid(), SIGHUP), 0);
  EXPECT_EQ(WaitForSerial(exporter_->port(), "2002", seconds(10)), "2002") << exporter_->Stderr();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  scraper.join();
  EXPECT_EQ(failures.load(), 0) << "of " << scrapes.load() << " scrapes; " << first_failure;
  EXPECT_GT(scrapes.load(), 0);
  EXPECT_TRUE(exporter_->Running());
  const CurlResult r = Get("/metrics");
  ASSERT_EQ(r.status, 200) << Explain(r);
  EXPECT_EQ(ParsedMetrics::Parse(r.body).Value("socket_exporter_config_last_reload_successful", {}),
            1);
}

TEST_F(WebTlsTest, BrokenWebConfigOnSighupKeepsTheOldOneServing) {
  const std::string users = "basic_auth_users:\n  prometheus: " + BcryptHash("s3cret") + "\n";
  ASSERT_TRUE(StartWith(kServerTls + users, {"-u", "prometheus:s3cret"}));
  const std::vector<std::string> auth = {"-u", "prometheus:s3cret"};
  const std::vector<std::string> broken = {
      kServerTls + "basic_auth_users:\n  prometheus: s3cret\n",  // plaintext password
      "tls_server_config:\n  cert_file: gone.pem\n  key_file: server.key\n" + users,
      kServerTls + "  curve_preferences: [X25519]\n" + users,
  };
  for (const auto& web_yml : broken) {
    SCOPED_TRACE(web_yml);
    tls_.Write("web.yml", web_yml);
    ASSERT_EQ(kill(exporter_->pid(), SIGHUP), 0);
    // The failed reload shows in the metric; the old certificate and users still apply.
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    double ok = 1;
    CurlResult r;
    while (ok != 0 && std::chrono::steady_clock::now() < deadline) {
      r = Get("/metrics", auth);
      if (r.status == 200) {
        ok = ParsedMetrics::Parse(r.body)
                 .Find("socket_exporter_config_last_reload_successful", {})
                 .value_or(1);
      }
      if (ok != 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(ok, 0) << Explain(r) << "\n" << exporter_->Stderr();
    EXPECT_EQ(PresentedSerial(exporter_->port()), "1001");
    EXPECT_EQ(Get("/metrics", {"-u", "prometheus:wrong"}).status, 401);
    EXPECT_TRUE(exporter_->Running());
    // A good file again: the reload succeeds and the metric says so.
    tls_.Write("web.yml", kServerTls + users);
    ASSERT_EQ(kill(exporter_->pid(), SIGHUP), 0);
    const auto again = std::chrono::steady_clock::now() + seconds(10);
    while (ok != 1 && std::chrono::steady_clock::now() < again) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      r = Get("/metrics", auth);
      if (r.status == 200) {
        ok = ParsedMetrics::Parse(r.body)
                 .Find("socket_exporter_config_last_reload_successful", {})
                 .value_or(0);
      }
    }
    EXPECT_EQ(ok, 1) << exporter_->Stderr();
  }
  const std::string log = exporter_->Stderr();
  EXPECT_NE(log.find("web configuration reload failed"), std::string::npos) << log;
}

}  // namespace
}  // namespace se::test
