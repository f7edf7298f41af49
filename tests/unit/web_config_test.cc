#include "config/web_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace se {
namespace {

const std::string kHash = "$2b$04$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234";
const std::string kCert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const std::string kKey = "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n";
const std::string kFiles = "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n";

// Makes a YAML block scalar of text, indented for a key at level 1.
std::string Block(const std::string& text) {
  std::string out = "|\n";
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = text.find('\n', at);
    out += "    " + text.substr(at, end - at) + "\n";
    at = end + 1;
  }
  return out;
}

WebConfig MustParse(const std::string& text, const std::string& dir = "/etc/se") {
  WebConfig c;
  std::string error;
  EXPECT_TRUE(ParseWebConfig(text, dir, &c, &error)) << text << "\n" << error;
  return c;
}

TEST(WebConfigTest, EmptyFileMeansPlainHttpWithoutAuthentication) {
  for (const char* text : {"", "tls_server_config:\n", "tls_server_config: {}\n",
                           "basic_auth_users:\n", "http_server_config: {headers: {}}\n"}) {
    const WebConfig c = MustParse(text);
    EXPECT_FALSE(c.tls.has_value()) << text;
    EXPECT_TRUE(c.basic_auth_users.empty()) << text;
    EXPECT_TRUE(c.headers.empty()) << text;
  }
}

TEST(WebConfigTest, RelativePathsAreResolvedAgainstTheConfigDirectory) {
  const WebConfig c = MustParse(kFiles +
                                "  client_ca_file: /abs/ca.pem\n"
                                "  client_auth_type: RequireAndVerifyClientCert\n");
  ASSERT_TRUE(c.tls.has_value());
  EXPECT_EQ(c.tls->cert_file, "/etc/se/c.pem");
  EXPECT_EQ(c.tls->key_file, "/etc/se/k.pem");
  EXPECT_EQ(c.tls->client_ca_file, "/abs/ca.pem");
  EXPECT_EQ(c.tls->client_auth, ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_EQ(c.tls->min_version, TlsVersion::kTls12);
  EXPECT_EQ(c.tls->max_version, TlsVersion::kTls13);
  EXPECT_TRUE(c.tls->cert_pem.empty());
  EXPECT_EQ(MustParse(kFiles, ".").tls->cert_file, "c.pem");
  EXPECT_EQ(MustParse(kFiles, "/").tls->cert_file, "/c.pem");
}

TEST(WebConfigTest, EveryClientAuthTypeAndVersionIsRead) {
  const std::vector<std::pair<std::string, ClientAuth>> modes = {
      {"NoClientCert", ClientAuth::kNoClientCert},
      {"RequestClientCert", ClientAuth::kRequestClientCert},
      {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
      {"RequireClientCert", ClientAuth::kRequireAnyClientCert},
      {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
      {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert}};
  for (const auto& [name, want] : modes) {
    const std::string ca = name == "NoClientCert" ? "" : "  client_ca_file: ca.pem\n";
    const WebConfig c = MustParse(kFiles + ca + "  client_auth_type: " + name + "\n");
    EXPECT_EQ(c.tls->client_auth, want) << name;
  }
  const WebConfig c = MustParse(kFiles +
                                "  min_version: TLS10\n  max_version: TLS11\n"
                                "  prefer_server_cipher_suites: false\n");
  EXPECT_EQ(c.tls->min_version, TlsVersion::kTls10);
  EXPECT_EQ(c.tls->max_version, TlsVersion::kTls11);
  EXPECT_FALSE(c.tls->prefer_server_cipher_suites);
  EXPECT_EQ(MustParse(kFiles + "  min_version: TLS13\n").tls->min_version, TlsVersion::kTls13);
}

TEST(WebConfigTest, InlinePemIsKept) {
  const WebConfig c = MustParse("tls_server_config:\n  cert: " + Block(kCert) +
                                "  key: " + Block(kKey) + "  client_ca: " + Block(kCert) +
                                "  client_auth_type: RequireAndVerifyClientCert\n");
  ASSERT_TRUE(c.tls.has_value());
  EXPECT_EQ(c.tls->cert_pem, kCert);
  EXPECT_EQ(c.tls->key_pem, kKey);
  EXPECT_EQ(c.tls->client_ca_pem, kCert);
  EXPECT_TRUE(c.tls->cert_file.empty());
}

TEST(WebConfigTest, UsersAndHeadersAreRead) {
  const WebConfig c = MustParse("basic_auth_users:\n  alice: " + kHash + "\n  bob: '" + "$2y$31$" +
                                kHash.substr(7) +
                                "'\nhttp_server_config:\n  http2: false\n  headers:\n"
                                "    X-Frame-Options: deny\n    Content-Security-Policy: \"\"\n"
                                "    Strict-Transport-Security: max-age=31536000\n");
  ASSERT_EQ(c.basic_auth_users.size(), 2u);
  EXPECT_EQ(c.basic_auth_users.at("alice"), kHash);
  EXPECT_FALSE(c.http2);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"X-Frame-Options", "deny"}, {"Strict-Transport-Security", "max-age=31536000"}};
  EXPECT_EQ(c.headers, want);  // a blank value unsets the header, as upstream
}

struct BadCase {
  std::string text;
  std::string error;  // a substring of the one-line message
};

TEST(WebConfigTest, EveryErrorIsOneLineNamingTheKey) {
  const std::string verify = kFiles + "  client_auth_type: VerifyClientCertIfGiven\n";
  const std::vector<BadCase> cases = {
      {"a: [", "line 1, column"},
      {"basic_auth_users: {}\n---\nbasic_auth_users: {}\n",
       "line 2: a second YAML document starts with ---"},
      {"- a\n", "the top level: a list is not a map; expected keys tls_server_config"},
      {"foo: 1\n",
       "unknown key \"foo\" in the top level; valid keys: tls_server_config, "
       "http_server_config, basic_auth_users"},
      {"basic_auth_users: {}\nbasic_auth_users: {}\n",
       "duplicate key \"basic_auth_users\" in the top level"},
      {"rate_limit: {burst: 1}\n", "rate_limit is not supported by socket_exporter; remove it"},
      {kFiles + "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
       "tls_server_config.cipher_suites is not supported by socket_exporter; remove it"},
      {kFiles + "  curve_preferences: [X25519]\n",
       "tls_server_config.curve_preferences is not supported by socket_exporter; remove it"},
      {kFiles + "  client_allowed_sans: [a]\n",
       "tls_server_config.client_allowed_sans is not supported by socket_exporter; remove it"},
      {kFiles + "  ciphers: x\n", "unknown key \"ciphers\" in tls_server_config; valid keys:"},
      {"tls_server_config: [a]\n", "tls_server_config: a list is not a map"},
      {"tls_server_config:\n  cert_file: [a]\n  key_file: k\n",
       "tls_server_config.cert_file: a list is not a string"},
      {"tls_server_config:\n  cert_file: \"a\\0b\"\n  key_file: k\n",
       "tls_server_config.cert_file: the value contains a NUL character"},
      {"tls_server_config:\n  key_file: k.pem\n",
       "tls_server_config: missing one of cert or cert_file"},
      {"tls_server_config:\n  cert_file: c.pem\n",
       "tls_server_config: missing one of key or key_file"},
      {"tls_server_config:\n  min_version: TLS13\n",
       "tls_server_config: missing one of cert or cert_file"},
      {kFiles + "  cert: " + Block(kCert), "tls_server_config: cert and cert_file are both set"},
      {kFiles + "  client_ca: " + Block(kCert) + "  client_ca_file: ca.pem\n" +
           "  client_auth_type: RequireAndVerifyClientCert\n",
       "tls_server_config: client_ca and client_ca_file are both set"},
      {kFiles + "  client_auth_type: Always\n",
       "tls_server_config.client_auth_type: \"Always\" is not one of NoClientCert, "
       "RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
       "RequireAndVerifyClientCert"},
      {kFiles + "  client_auth_type: RequireAndVerifyClientCert\n",
       "tls_server_config: client_auth_type RequireAndVerifyClientCert needs client_ca_file"},
      {verify, "tls_server_config: client_auth_type VerifyClientCertIfGiven needs client_ca_file"},
      {kFiles + "  client_ca_file: ca.pem\n",
       "tls_server_config: client_ca_file is set but client_auth_type is NoClientCert"},
      {kFiles + "  min_version: TLS14\n",
       "tls_server_config.min_version: \"TLS14\" is not one of TLS10, TLS11, TLS12, TLS13"},
      {kFiles + "  max_version: tls13\n", "tls_server_config.max_version: \"tls13\" is not one of"},
      {kFiles + "  min_version: TLS13\n  max_version: TLS12\n",
       "tls_server_config: min_version TLS13 is above max_version TLS12"},
      {kFiles + "  prefer_server_cipher_suites: maybe\n",
       "tls_server_config.prefer_server_cipher_suites: maybe is not a boolean; expected true or "
       "false"},
      {"tls_server_config:\n  cert: hello\n  key_file: k\n",
       "tls_server_config.cert: not a PEM certificate (no -----BEGIN CERTIFICATE----- block)"},
      {"tls_server_config:\n  cert_file: c\n  key: " + Block(kCert),
       "tls_server_config.key: not a PEM private key"},
      {"tls_server_config:\n  cert_file: c\n  key: " + Block("-----BEGIN PRIVATE KEY-----\nx\n"),
       "tls_server_config.key: not a PEM private key"},
      {"http_server_config: 1\n", "http_server_config: 1 is not a map"},
      {"http_server_config:\n  http2: yes please\n",
       "http_server_config.http2: yes please is not a boolean"},
      {"http_server_config:\n  tls: true\n", "unknown key \"tls\" in http_server_config"},
      {"http_server_config:\n  headers:\n    Server: x\n",
       "http_server_config.headers: header \"Server\" can not be configured; "
       "allowed: Content-Security-Policy, Strict-Transport-Security, X-Content-Type-Options, "
       "X-Frame-Options, X-XSS-Protection"},
      {"http_server_config:\n  headers:\n    x-frame-options: deny\n",
       "header \"x-frame-options\" can not be configured"},
      {"http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
       "http_server_config.headers.X-Frame-Options: \"allow\" is not one of deny, sameorigin"},
      {"http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
       "http_server_config.headers.X-Content-Type-Options: \"sniff\" is not one of nosniff"},
      {"http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nSet-Cookie: x\"\n",
       "http_server_config.headers.Content-Security-Policy: the value contains a control "
       "character"},
      {"http_server_config:\n  headers:\n    X-XSS-Protection: [1]\n",
       "http_server_config.headers.X-XSS-Protection: a list is not a string"},
      {"basic_auth_users: [alice]\n",
       "basic_auth_users: a list is not a map; expected user: "
       "bcrypt hash"},
      {"basic_auth_users:\n  alice: secret\n",
       "basic_auth_users.alice: the value is not a bcrypt hash ($2y$10$ and 53 more characters); "
       "store a hash, not the password, e.g. from: htpasswd -nBC 10 alice"},
      {"basic_auth_users:\n  alice:\n", "basic_auth_users.alice: the value is not a bcrypt hash"},
      {"basic_auth_users:\n  alice: [x]\n",
       "basic_auth_users.alice: a list is not a string; expected a bcrypt hash"},
      {"basic_auth_users:\n  alice: $2x$10$" + kHash.substr(7) + "\n",
       "basic_auth_users.alice: the value is not a bcrypt hash"},
      {"basic_auth_users:\n  alice: $2b$03$" + kHash.substr(7) + "\n",
       "basic_auth_users.alice: bcrypt cost 03 is out of range; expected 04 to 31"},
      {"basic_auth_users:\n  alice: $2b$32$" + kHash.substr(7) + "\n",
       "bcrypt cost 32 is out of range"},
      {"basic_auth_users:\n  alice: " + kHash + "x\n",
       "basic_auth_users.alice: a bcrypt hash has 60 characters, this one 61"},
      {"basic_auth_users:\n  alice: " + kHash.substr(0, 59) + "!\n",
       "basic_auth_users.alice: the bcrypt hash has a character outside ./0-9A-Za-z"},
      {"basic_auth_users:\n  \"a:b\": " + kHash + "\n",
       "basic_auth_users: user \"a:b\" contains ':', which basic authentication cannot carry"},
      {"basic_auth_users:\n  \"\": " + kHash + "\n",
       "basic_auth_users: user \"\" is empty; name a user"},
      {"basic_auth_users:\n  \"a\\tb\": " + kHash + "\n",
       "basic_auth_users: user \"a b\" contains a control character"},
      {"basic_auth_users:\n  [a]: " + kHash + "\n",
       "basic_auth_users: a user name is a list; expected a string"},
      {"basic_auth_users:\n  alice: " + kHash + "\n  alice: " + kHash + "\n",
       "duplicate user \"alice\" in basic_auth_users"},
  };
  for (const auto& c : cases) {
    WebConfig out;
    out.headers.emplace_back("kept", "on failure");
    std::string error;
    EXPECT_FALSE(ParseWebConfig(c.text, "/etc/se", &out, &error)) << c.text;
    EXPECT_NE(error.find(c.error), std::string::npos)
        << c.text << "\ngot:  " << error << "\nwant: " << c.error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_EQ(out.headers.size(), 1u) << "output changed on failure: " << c.text;
  }
}

TEST(WebConfigTest, APlaintextPasswordIsNeverEchoedInTheError) {
  WebConfig out;
  std::string error;
  EXPECT_FALSE(ParseWebConfig("basic_auth_users:\n  alice: hunter2-secret\n", "", &out, &error));
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
}

// yaml-cpp 0.7's LoadAll never returns on these; the one-document check must not use it.
TEST(WebConfigTest, MalformedInputThatHangsLoadAllReturns) {
  for (const char* text : {",", ",!#sti! rnts"}) {
    WebConfig out;
    std::string error;
    ParseWebConfig(text, "", &out, &error);
    EXPECT_EQ(error.find("second YAML document"), std::string::npos) << text << ": " << error;
  }
}

class WebConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/web_config_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const auto& f : files_) std::remove(f.c_str());
    rmdir(dir_.c_str());
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }
  std::string LoadError(const std::string& yaml) {
    WebConfig c;
    std::string error;
    EXPECT_FALSE(LoadWebConfig(Write("web.yml", yaml), &c, &error)) << yaml;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    return error;
  }
  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(WebConfigFileTest, LoadReadsTheNamedFilesRelativeToTheConfig) {
  Write("c.pem", kCert);
  Write("k.pem", kKey);
  Write("ca.pem", kCert + kCert);
  WebConfig c;
  std::string error;
  ASSERT_TRUE(LoadWebConfig(Write("web.yml", kFiles + "  client_ca_file: ca.pem\n"
                                                      "  client_auth_type: RequestClientCert\n"),
                            &c, &error))
      << error;
  EXPECT_EQ(c.tls->cert_file, dir_ + "/c.pem");
  EXPECT_EQ(c.tls->cert_pem, kCert);
  EXPECT_EQ(c.tls->key_pem, kKey);
  EXPECT_EQ(c.tls->client_ca_pem, kCert + kCert);
}

TEST_F(WebConfigFileTest, LoadErrorsNameTheConfigTheKeyAndTheFile) {
  const std::string web = dir_ + "/web.yml";
  EXPECT_EQ(LoadError(kFiles),
            web + ": tls_server_config.cert_file: " + dir_ + "/c.pem: No such file or directory");
  Write("c.pem", "not pem");
  EXPECT_EQ(LoadError(kFiles), web + ": tls_server_config.cert_file: " + dir_ +
                                   "/c.pem is not a PEM certificate (no -----BEGIN "
                                   "CERTIFICATE----- block)");
  Write("c.pem", kCert);
  Write("k.pem", kCert);
  EXPECT_NE(LoadError(kFiles).find("tls_server_config.key_file: " + dir_ +
                                   "/k.pem is not a PEM private key"),
            std::string::npos);
  Write("k.pem", kKey);
  EXPECT_EQ(LoadError(kFiles + "  client_ca_file: /tmp\n  client_auth_type: RequestClientCert\n"),
            web + ": tls_server_config.client_ca_file: /tmp: not a regular file");
  Write("big.pem", std::string((1 << 20) + 1, 'a'));
  EXPECT_EQ(LoadError("tls_server_config:\n  cert_file: big.pem\n  key_file: k.pem\n"),
            web + ": tls_server_config.cert_file: " + dir_ +
                "/big.pem is 1048577 bytes; at "
                "most 1 MiB is read");
  EXPECT_EQ(LoadError("basic_auth_users:\n  alice: pw\n").rfind(web + ": basic_auth_users.alice:"),
            0u);
}

TEST_F(WebConfigFileTest, MissingConfigFileIsAOneLineError) {
  WebConfig c;
  std::string error;
  EXPECT_FALSE(LoadWebConfig(dir_ + "/none.yml", &c, &error));
  EXPECT_EQ(error, dir_ + "/none.yml: No such file or directory");
}

}  // namespace
}  // namespace se
