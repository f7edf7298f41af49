// The tls_server_config section of --web.config.file, and reading the files it names.

#include <yaml-cpp/yaml.h>

#include <map>

#include "config/config_fields.h"
#include "config/config_text.h"
#include "config/web_config.h"
#include "config/web_config_fields.h"

namespace se {
namespace web_config_internal {
namespace {

using config_internal::Describe;
using config_internal::OneLine;

// The raw section, as written (relative paths not yet resolved).
struct TlsText {
  std::string cert, key, client_ca, cert_file, key_file, client_ca_file;
  std::string client_auth_type, min_version, max_version;
  bool prefer_server_cipher_suites = true;
};

const std::map<std::string, ClientAuth>& ClientAuthNames() {
  static const std::map<std::string, ClientAuth> names = {
      {"NoClientCert", ClientAuth::kNoClientCert},
      {"RequestClientCert", ClientAuth::kRequestClientCert},
      {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
      {"RequireClientCert", ClientAuth::kRequireAnyClientCert},  // upstream's old name
      {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
      {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert},
  };
  return names;
}

const char* const kClientAuthList =
    "NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
    "RequireAndVerifyClientCert";

bool ParseVersion(const std::string& text, TlsVersion* out) {
  for (TlsVersion v :
       {TlsVersion::kTls10, TlsVersion::kTls11, TlsVersion::kTls12, TlsVersion::kTls13}) {
    if (text == TlsVersionName(v)) {
      *out = v;
      return true;
    }
  }
  return false;
}

std::string JoinDir(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || dir.empty() || dir == ".") return path;
  return dir.back() == '/' ? dir + path : dir + "/" + path;
}

bool ReadSection(const YAML::Node& node, TlsText* t, std::string* error) {
  const std::map<std::string, std::string*> strings = {
      {"cert", &t->cert},
      {"key", &t->key},
      {"client_ca", &t->client_ca},
      {"cert_file", &t->cert_file},
      {"key_file", &t->key_file},
      {"client_ca_file", &t->client_ca_file},
      {"client_auth_type", &t->client_auth_type},
      {"min_version", &t->min_version},
      {"max_version", &t->max_version},
  };
  std::vector<std::string> keys;
  for (const auto& [key, member] : strings) keys.push_back(key);
  keys.push_back("prefer_server_cipher_suites");
  const auto handle = [&](const std::string& key, const YAML::Node& value) -> std::string {
    const auto it = strings.find(key);
    const std::string err = it != strings.end() ? ReadString(value, it->second)
                                                : ReadBool(value, &t->prefer_server_cipher_suites);
    return err.empty() ? "" : "tls_server_config." + key + ": " + err;
  };
  const std::string defaults = "; the TLS library's secure defaults are used";
  return WalkMap(node, "tls_server_config", keys,
                 {{"cipher_suites", defaults.c_str()},
                  {"curve_preferences", defaults.c_str()},
                  {"client_allowed_sans",
                   "; trust only the CA in client_ca_file that signs the allowed clients"}},
                 handle, error);
}

// Settings of their own; the certificate checks follow in Resolve.
std::string ReadEnums(const TlsText& t, TlsServerConfig* c) {
  if (!t.client_auth_type.empty()) {
    const auto it = ClientAuthNames().find(t.client_auth_type);
    if (it == ClientAuthNames().end()) {
      return "tls_server_config.client_auth_type: \"" + OneLine(t.client_auth_type) +
             "\" is not one of " + kClientAuthList;
    }
    c->client_auth = it->second;
  }
  const char* const versions = "TLS10, TLS11, TLS12, TLS13";
  if (!t.min_version.empty() && !ParseVersion(t.min_version, &c->min_version)) {
    return "tls_server_config.min_version: \"" + OneLine(t.min_version) + "\" is not one of " +
           versions;
  }
  if (!t.max_version.empty() && !ParseVersion(t.max_version, &c->max_version)) {
    return "tls_server_config.max_version: \"" + OneLine(t.max_version) + "\" is not one of " +
           versions;
  }
  if (c->min_version > c->max_version) {
    return std::string("tls_server_config: min_version ") + TlsVersionName(c->min_version) +
           " is above max_version " + TlsVersionName(c->max_version);
  }
  return "";
}

// One of an inline value and a file: "" or the error.
std::string OneOf(const std::string& inline_text, const std::string& file, const char* inline_key,
                  const char* file_key) {
  if (!inline_text.empty() && !file.empty()) {
    return std::string("tls_server_config: ") + inline_key + " and " + file_key +
           " are both set; use one";
  }
  if (inline_text.empty() && file.empty() && std::string(inline_key) != "client_ca") {
    return std::string("tls_server_config: missing one of ") + inline_key + " or " + file_key;
  }
  return "";
}

std::string CheckClientAuth(const TlsServerConfig& c, bool have_ca) {
  const bool verify = c.client_auth == ClientAuth::kVerifyClientCertIfGiven ||
                      c.client_auth == ClientAuth::kRequireAndVerifyClientCert;
  const char* mode = verify && c.client_auth == ClientAuth::kVerifyClientCertIfGiven
                         ? "VerifyClientCertIfGiven"
                         : "RequireAndVerifyClientCert";
  if (verify && !have_ca) {
    return std::string("tls_server_config: client_auth_type ") + mode +
           " needs client_ca_file (or client_ca), the CA that signs client certificates";
  }
  if (!verify && c.client_auth == ClientAuth::kNoClientCert && have_ca) {
    return "tls_server_config: client_ca_file is set but client_auth_type is NoClientCert; set "
           "client_auth_type: RequireAndVerifyClientCert, or remove client_ca_file";
  }
  return "";
}

std::string Resolve(const TlsText& t, const std::string& base_dir, TlsServerConfig* c) {
  std::string err = ReadEnums(t, c);
  if (err.empty()) err = OneOf(t.cert, t.cert_file, "cert", "cert_file");
  if (err.empty()) err = OneOf(t.key, t.key_file, "key", "key_file");
  if (err.empty()) err = OneOf(t.client_ca, t.client_ca_file, "client_ca", "client_ca_file");
  if (err.empty()) err = CheckClientAuth(*c, !t.client_ca.empty() || !t.client_ca_file.empty());
  if (!err.empty()) return err;
  const std::pair<const char*, const std::string*> inline_pems[] = {
      {"cert", &t.cert}, {"key", &t.key}, {"client_ca", &t.client_ca}};
  for (const auto& [key, text] : inline_pems) {
    if (text->empty()) continue;
    err = PemError(*text, std::string(key) == "key" ? "PRIVATE KEY" : "CERTIFICATE");
    if (!err.empty()) return std::string("tls_server_config.") + key + ": " + err;
  }
  c->cert_pem = t.cert;
  c->key_pem = t.key;
  c->client_ca_pem = t.client_ca;
  c->cert_file = JoinDir(base_dir, t.cert_file);
  c->key_file = JoinDir(base_dir, t.key_file);
  c->client_ca_file = JoinDir(base_dir, t.client_ca_file);
  c->prefer_server_cipher_suites = t.prefer_server_cipher_suites;
  return "";
}

}  // namespace

std::string PemError(const std::string& pem, const std::string& label) {
  const bool key = label == "PRIVATE KEY";
  size_t at = 0;
  while ((at = pem.find("-----BEGIN ", at)) != std::string::npos) {
    const size_t end = pem.find("-----", at + 11);
    if (end == std::string::npos) break;
    const std::string found = pem.substr(at + 11, end - at - 11);
    const bool match =
        key ? found.size() >= label.size() &&
                  found.compare(found.size() - label.size(), label.size(), label) == 0
            : found == label;
    if (match && pem.find("-----END " + found + "-----", end) != std::string::npos) return "";
    at = end;
  }
  return key ? "not a PEM private key (no -----BEGIN ... PRIVATE KEY----- block)"
             : "not a PEM certificate (no -----BEGIN CERTIFICATE----- block)";
}

bool ParseTls(const YAML::Node& node, const std::string& base_dir,
              std::optional<TlsServerConfig>* out, std::string* error) {
  TlsText t;
  if (!ReadSection(node, &t, error)) return false;
  // An empty section means plain HTTP, as upstream; any other setting needs a certificate.
  const bool any = !t.cert.empty() || !t.key.empty() || !t.client_ca.empty() ||
                   !t.cert_file.empty() || !t.key_file.empty() || !t.client_ca_file.empty() ||
                   !t.client_auth_type.empty() || !t.min_version.empty() || !t.max_version.empty();
  if (!any) return true;
  TlsServerConfig c;
  *error = Resolve(t, base_dir, &c);
  if (!error->empty()) return false;
  *out = std::move(c);
  return true;
}

}  // namespace web_config_internal

namespace {

// Reads one named file into *pem and checks it looks like the PEM it should be.
std::string ReadPem(const std::string& key, const std::string& path, const std::string& label,
                    std::string* pem) {
  if (path.empty()) return "";
  std::string err;
  if (!ReadConfigText(path, true, pem, &err)) return "tls_server_config." + key + ": " + err;
  err = web_config_internal::PemError(*pem, label);
  return err.empty() ? "" : "tls_server_config." + key + ": " + path + " is " + err;
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

bool LoadWebConfig(const std::string& path, WebConfig* out, std::string* error) {
  std::string text;
  if (!ReadConfigText(path, false, &text, error)) return false;
  WebConfig parsed;
  std::string err;
  if (ParseWebConfig(text, DirOf(path), &parsed, &err) && parsed.tls) {
    TlsServerConfig& t = *parsed.tls;
    err = ReadPem("cert_file", t.cert_file, "CERTIFICATE", &t.cert_pem);
    if (err.empty()) err = ReadPem("key_file", t.key_file, "PRIVATE KEY", &t.key_pem);
    if (err.empty()) {
      err = ReadPem("client_ca_file", t.client_ca_file, "CERTIFICATE", &t.client_ca_pem);
    }
  }
  if (!err.empty()) {
    *error = path + ": " + err;
    return false;
  }
  *out = std::move(parsed);
  return true;
}

}  // namespace se
