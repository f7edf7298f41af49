// The exporter started with a --web.config.file in a directory of test certificates.
#ifndef SE_TEST_HARNESS_WEB_TLS_FIXTURE_H_
#define SE_TEST_HARNESS_WEB_TLS_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness/exporter_process.h"
#include "harness/tls_files.h"

namespace se::test {

// Paths are relative to the web config's directory, which also holds the certificates.
inline const std::string kServerTls =
    "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n";

class WebTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(tls_.ok()) << tls_.error(); }

  // Writes web.yml and starts the exporter with it; ready once /-/ready answers 200 to curl
  // with `client` (credentials, client certificate) over TLS.
  ::testing::AssertionResult StartWith(const std::string& web_yml,
                                       const std::vector<std::string>& client = {}) {
    tls_.Write("web.yml", web_yml);
    exporter_ = std::make_unique<ExporterProcess>(
        std::vector<std::string>{"--web.config.file=" + tls_.Path("web.yml")});
    exporter_->SetReadyCheck([this, client](uint16_t port) {
      return Curl(Args(port, "/-/ready", client), std::chrono::seconds(2)).status == 200;
    });
    return exporter_->Start(std::chrono::seconds(15));
  }

  // curl arguments for https://127.0.0.1:port/path trusting the test CA.
  std::vector<std::string> Args(uint16_t port, const std::string& path,
                                const std::vector<std::string>& extra) const {
    std::vector<std::string> args = {"--cacert", tls_.Path("ca.pem")};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("https://127.0.0.1:" + std::to_string(port) + path);
    return args;
  }

  CurlResult Get(const std::string& path, const std::vector<std::string>& extra = {}) const {
    return Curl(Args(exporter_->port(), path, extra));
  }

  std::vector<std::string> ClientCert(const std::string& name) const {
    return {"--cert", tls_.Path(name + ".pem"), "--key", tls_.Path(name + ".key")};
  }

  TlsFiles tls_;
  std::unique_ptr<ExporterProcess> exporter_;
};

// Why a request failed, for assertion messages.
inline std::string Explain(const CurlResult& r) {
  return "curl exit " + std::to_string(r.exit_code) + ", HTTP " + std::to_string(r.status) +
         ", stderr: " + r.err;
}

}  // namespace se::test

#endif  // SE_TEST_HARNESS_WEB_TLS_FIXTURE_H_
