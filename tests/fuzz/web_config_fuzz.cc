// Fuzzes the --web.config.file parser (yaml-cpp underneath). Never crashes or throws; a
// failure leaves the output alone and has a one-line error; a success holds only bcrypt
// hashes, allowed headers without control characters, a consistent TLS section with paths
// resolved against the base directory, and writing it out as YAML and parsing that again
// gives the same config.

#include <string>
#include <vector>

#include "config/web_config.h"
#include "fuzz_check.h"

namespace {

using se::ClientAuth;
using se::TlsServerConfig;
using se::WebConfig;

const char* const kBase = "/etc/se";

bool HasControl(const std::string& s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

void CheckUsers(const WebConfig& c) {
  for (const auto& [user, hash] : c.basic_auth_users) {
    FUZZ_CHECK(!user.empty() && user.find(':') == std::string::npos && !HasControl(user), user);
    FUZZ_CHECK(hash.size() == 60 && hash.compare(0, 2, "$2") == 0 && hash[6] == '$', hash);
    const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
    FUZZ_CHECK(cost >= 4 && cost <= 31, hash);
  }
}

void CheckHeaders(const WebConfig& c) {
  const std::vector<std::string> allowed = {"Content-Security-Policy", "Strict-Transport-Security",
                                            "X-Content-Type-Options", "X-Frame-Options",
                                            "X-XSS-Protection"};
  for (const auto& [name, value] : c.headers) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == name;
    FUZZ_CHECK(ok, name);
    FUZZ_CHECK(!value.empty() && !HasControl(value), name + ": " + value);
  }
}

void CheckTls(const TlsServerConfig& t) {
  FUZZ_CHECK(t.min_version <= t.max_version, "versions");
  FUZZ_CHECK(t.cert_file.empty() != t.cert_pem.empty(), "exactly one of cert, cert_file");
  FUZZ_CHECK(t.key_file.empty() != t.key_pem.empty(), "exactly one of key, key_file");
  FUZZ_CHECK(t.client_ca_file.empty() || t.client_ca_pem.empty(), "one of client_ca(_file)");
  const bool ca = !t.client_ca_file.empty() || !t.client_ca_pem.empty();
  const bool verify = t.client_auth == ClientAuth::kVerifyClientCertIfGiven ||
                      t.client_auth == ClientAuth::kRequireAndVerifyClientCert;
  FUZZ_CHECK(!verify || ca, "a verify mode without a CA");
  FUZZ_CHECK(t.client_auth != ClientAuth::kNoClientCert || !ca, "a CA without client auth");
  for (const std::string* p : {&t.cert_file, &t.key_file, &t.client_ca_file}) {
    FUZZ_CHECK(p->empty() || (*p)[0] == '/', "unresolved path " + *p);
    FUZZ_CHECK(p->find('\0') == std::string::npos, "NUL in a path");
  }
  FUZZ_CHECK(
      t.cert_pem.empty() || t.cert_pem.find("-----BEGIN CERTIFICATE-----") != std::string::npos,
      t.cert_pem);
  FUZZ_CHECK(t.key_pem.empty() || t.key_pem.find("PRIVATE KEY-----") != std::string::npos,
             t.key_pem);
}

// A YAML double-quoted scalar; callers pass only ASCII (\xNN would mean a code point).
std::string Quote(const std::string& s) {
  static const char* const kHex = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += std::string("\\") + c;
    } else if (u < 0x20 || u == 0x7f) {
      out += std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

bool Ascii(const WebConfig& c) {
  std::string all;
  for (const auto& [u, h] : c.basic_auth_users) all += u + h;
  for (const auto& [n, v] : c.headers) all += n + v;
  if (c.tls) {
    const auto& t = *c.tls;
    all += t.cert_file + t.key_file + t.client_ca_file + t.cert_pem + t.key_pem + t.client_ca_pem;
  }
  for (char ch : all) {
    if (static_cast<unsigned char>(ch) >= 0x80) return false;
  }
  return true;
}

std::string Format(const WebConfig& c) {
  static const char* const kAuth[] = {"NoClientCert", "RequestClientCert", "RequireAnyClientCert",
                                      "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"};
  std::string out =
      "http_server_config:\n  http2: " + std::string(c.http2 ? "true" : "false") + "\n  headers:\n";
  for (const auto& [n, v] : c.headers) out += "    " + Quote(n) + ": " + Quote(v) + "\n";
  out += "basic_auth_users:\n";
  for (const auto& [u, h] : c.basic_auth_users) out += "  " + Quote(u) + ": " + Quote(h) + "\n";
  if (!c.tls) return out;
  const auto& t = *c.tls;
  out += "tls_server_config:\n  client_auth_type: " +
         std::string(kAuth[static_cast<int>(t.client_auth)]) +
         "\n  min_version: " + se::TlsVersionName(t.min_version) +
         "\n  max_version: " + se::TlsVersionName(t.max_version) +
         "\n  prefer_server_cipher_suites: " + (t.prefer_server_cipher_suites ? "true" : "false") +
         "\n";
  const std::pair<const char*, const std::string*> strings[] = {
      {"cert_file", &t.cert_file}, {"key_file", &t.key_file}, {"client_ca_file", &t.client_ca_file},
      {"cert", &t.cert_pem},       {"key", &t.key_pem},       {"client_ca", &t.client_ca_pem}};
  for (const auto& [key, value] : strings) {
    if (!value->empty()) out += std::string("  ") + key + ": " + Quote(*value) + "\n";
  }
  return out;
}

bool Same(const WebConfig& a, const WebConfig& b) {
  if (a.basic_auth_users != b.basic_auth_users || a.headers != b.headers || a.http2 != b.http2 ||
      a.tls.has_value() != b.tls.has_value()) {
    return false;
  }
  if (!a.tls) return true;
  const auto &s = *a.tls, &t = *b.tls;
  return s.cert_file == t.cert_file && s.key_file == t.key_file &&
         s.client_ca_file == t.client_ca_file && s.cert_pem == t.cert_pem &&
         s.key_pem == t.key_pem && s.client_ca_pem == t.client_ca_pem &&
         s.client_auth == t.client_auth && s.min_version == t.min_version &&
         s.max_version == t.max_version &&
         s.prefer_server_cipher_suites == t.prefer_server_cipher_suites;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = se::fuzz::Bytes(data, size);
  WebConfig sentinel;
  sentinel.headers.emplace_back("Server", "sentinel");  // no parse can produce it
  WebConfig config = sentinel;
  std::string error;
  if (!se::ParseWebConfig(text, kBase, &config, &error)) {
    FUZZ_CHECK(!error.empty(), "a failure without an error");
    FUZZ_CHECK(se::fuzz::IsOneLine(error), error);
    FUZZ_CHECK(Same(config, sentinel), "a failed parse changed the output");
    return 0;
  }
  CheckUsers(config);
  CheckHeaders(config);
  if (config.tls) CheckTls(*config.tls);
  if (!Ascii(config)) return 0;
  const std::string again = Format(config);
  WebConfig reparsed;
  FUZZ_CHECK(se::ParseWebConfig(again, kBase, &reparsed, &error), again + error);
  FUZZ_CHECK(Same(config, reparsed), again);
  return 0;
}
