// --web.config.file against the real exporter: TLS, protocol versions, client certificates,
// basic authentication and extra headers, checked with curl and openssl.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "harness/http_client.h"
#include "harness/metrics_text.h"
#include "harness/web_tls_fixture.h"

namespace se::test {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// True when the header block has the line "name: value" (names case-insensitive).
bool HasHeader(const std::string& headers, const std::string& name, const std::string& value) {
  const std::string want = Lower(name) + ": " + value;
  size_t at = 0;
  while (at < headers.size()) {
    size_t end = headers.find('\n', at);
    if (end == std::string::npos) end = headers.size();
    std::string line = headers.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon != std::string::npos && Lower(line.substr(0, colon)) + line.substr(colon) == want) {
      return true;
    }
    at = end + 1;
  }
  return false;
}

// Refused without an HTTP answer. With TLS 1.3 curl's side of the handshake ends before the
// server has checked the client certificate, so the refusal shows up as whatever the close
// without an alert hits next: "SSL connect error" (35), "empty reply" (52), "send failure"
// (55) or "failure receiving data" (56). The TLS 1.2 checks pin the handshake failure itself.
bool HandshakeRefused(const CurlResult& r) {
  return (r.exit_code == 35 || r.exit_code == 52 || r.exit_code == 55 || r.exit_code == 56) &&
         r.status == 0;
}

TEST_F(WebTlsTest, ServesAValidExpositionOverTlsAndNothingOverPlainHttp) {
  ASSERT_TRUE(StartWith(kServerTls));
  const CurlResult r = Get("/metrics");
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.status, 200);
  const ParsedMetrics m = ParsedMetrics::Parse(r.body);
  EXPECT_TRUE(m.Errors().empty()) << m.Errors().front();
  EXPECT_TRUE(m.Has("socket_exporter_build_info")) << r.body.substr(0, 500);

  // Plain HTTP to the TLS port: no HTTP response at all, let alone a 200.
  const HttpResponse plain = Scrape(exporter_->port(), "/metrics");
  EXPECT_NE(plain.status, 200) << plain.headers;
  const CurlResult plain_curl =
      Curl({"http://127.0.0.1:" + std::to_string(exporter_->port()) + "/metrics"});
  EXPECT_NE(plain_curl.exit_code, 0) << Explain(plain_curl);
  EXPECT_NE(plain_curl.status, 200) << Explain(plain_curl);
  EXPECT_TRUE(exporter_->Running());
}

TEST_F(WebTlsTest, MinimumVersionTls12RefusesTls11Clients) {
  ASSERT_TRUE(StartWith(kServerTls));
  // SECLEVEL=0 lets curl's OpenSSL offer TLS 1.1 at all, so the refusal is the server's.
  const CurlResult old =
      Get("/metrics", {"--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0"});
  EXPECT_EQ(old.exit_code, 35) << Explain(old);
  EXPECT_EQ(old.status, 0);
  const CurlResult tls12 = Get("/metrics", {"--tlsv1.2", "--tls-max", "1.2"});
  EXPECT_EQ(tls12.status, 200) << Explain(tls12);
  const CurlResult tls13 = Get("/metrics", {"--tlsv1.3"});
  EXPECT_EQ(tls13.status, 200) << Explain(tls13);
}

TEST_F(WebTlsTest, MinimumVersionTls13RefusesTls12Clients) {
  ASSERT_TRUE(StartWith(kServerTls + "  min_version: TLS13\n"));
  const CurlResult tls12 = Get("/metrics", {"--tls-max", "1.2"});
  EXPECT_EQ(tls12.exit_code, 35) << Explain(tls12);
  EXPECT_EQ(tls12.status, 0);
  const CurlResult tls13 = Get("/metrics", {"--tlsv1.3"});
  EXPECT_EQ(tls13.status, 200) << Explain(tls13);
}

TEST_F(WebTlsTest, MaximumVersionTls12RefusesToSpeakTls13) {
  ASSERT_TRUE(StartWith(kServerTls + "  max_version: TLS12\n"));
  const CurlResult tls13 = Get("/metrics", {"--tlsv1.3"});
  EXPECT_EQ(tls13.exit_code, 35) << Explain(tls13);
  const CurlResult tls12 = Get("/metrics", {"--tls-max", "1.2"});
  EXPECT_EQ(tls12.status, 200) << Explain(tls12);
}

TEST_F(WebTlsTest, BasicAuthAcceptsOnlyTheRightPassword) {
  const std::string users = "basic_auth_users:\n  prometheus: " + BcryptHash("s3cret") +
                            "\n  alice: " + BcryptHash("wonderland") + "\n";
  ASSERT_TRUE(StartWith(kServerTls + users, {"-u", "prometheus:s3cret"}));

  const CurlResult right = Get("/metrics", {"-u", "prometheus:s3cret"});
  EXPECT_EQ(right.status, 200) << Explain(right);
  EXPECT_TRUE(ParsedMetrics::Parse(right.body).Has("socket_exporter_build_info"));
  const CurlResult other = Get("/metrics", {"-u", "alice:wonderland"});
  EXPECT_EQ(other.status, 200) << Explain(other);

  const std::vector<std::pair<std::string, std::vector<std::string>>> refused = {
      {"wrong password", {"-u", "prometheus:wrong"}},
      {"another user's password", {"-u", "alice:s3cret"}},
      {"no credentials", {}},
      {"unknown user", {"-u", "mallory:s3cret"}},
      {"empty user and password", {"-u", ":"}},
  };
  for (const auto& [what, args] : refused) {
    for (const std::string path : {"/metrics", "/"}) {
      const CurlResult r = Get(path, args);
      EXPECT_EQ(r.status, 401) << what << " " << path << ": " << Explain(r);
      EXPECT_NE(Lower(r.headers).find("\nwww-authenticate: basic"), std::string::npos)
          << what << " " << path << ":\n"
          << r.headers;
      EXPECT_EQ(r.body.find("socket_exporter_build_info"), std::string::npos) << what;
    }
  }
}

TEST_F(WebTlsTest, RequireAndVerifyClientCertAcceptsOnlyCertificatesOfTheClientCa) {
  ASSERT_TRUE(StartWith(kServerTls + "  client_auth_type: RequireAndVerifyClientCert\n"
                                     "  client_ca_file: ca.pem\n",
                        ClientCert("client")));
  const CurlResult none = Get("/metrics");
  EXPECT_TRUE(HandshakeRefused(none)) << "no client certificate: " << Explain(none);
  const CurlResult foreign = Get("/metrics", ClientCert("other_client"));
  EXPECT_TRUE(HandshakeRefused(foreign)) << "another CA's client: " << Explain(foreign);
  // With TLS 1.2 the server's Finished follows its check: the handshake itself fails.
  const CurlResult none12 = Get("/metrics", {"--tls-max", "1.2"});
  EXPECT_EQ(none12.exit_code, 35) << "no client certificate, TLS 1.2: " << Explain(none12);
  std::vector<std::string> foreign_args = ClientCert("other_client");
  foreign_args.insert(foreign_args.end(), {"--tls-max", "1.2"});
  const CurlResult foreign12 = Get("/metrics", foreign_args);
  EXPECT_EQ(foreign12.exit_code, 35) << "another CA's client, TLS 1.2: " << Explain(foreign12);
  const CurlResult right = Get("/metrics", ClientCert("client"));
  EXPECT_EQ(right.status, 200) << Explain(right);
  EXPECT_TRUE(ParsedMetrics::Parse(right.body).Has("socket_exporter_build_info"));
  EXPECT_TRUE(exporter_->Running());
}

TEST_F(WebTlsTest, ConfiguredHeadersAreOnEveryResponse) {
  ASSERT_TRUE(StartWith(kServerTls + "http_server_config:\n  headers:\n"
                                     "    X-Frame-Options: deny\n"
                                     "    X-Content-Type-Options: nosniff\n"
                                     "    Strict-Transport-Security: max-age=31536000\n"
                                     "    Content-Security-Policy: \"default-src 'self'\"\n"));
  for (const std::string path : {"/metrics", "/", "/-/healthy"}) {
    const CurlResult r = Get(path);
    EXPECT_EQ(r.status, 200) << path << ": " << Explain(r);
    EXPECT_TRUE(HasHeader(r.headers, "X-Frame-Options", "deny")) << path << "\n" << r.headers;
    EXPECT_TRUE(HasHeader(r.headers, "X-Content-Type-Options", "nosniff")) << path;
    EXPECT_TRUE(HasHeader(r.headers, "Strict-Transport-Security", "max-age=31536000")) << path;
    EXPECT_TRUE(HasHeader(r.headers, "Content-Security-Policy", "default-src 'self'")) << path;
  }
}

}  // namespace
}  // namespace se::test
