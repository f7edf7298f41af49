#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace se {

// tls_server_config.client_auth_type, named as in Go's crypto/tls (exporter-toolkit).
enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,
  kRequireAnyClientCert,
  kVerifyClientCertIfGiven,
  kRequireAndVerifyClientCert
};

enum class TlsVersion { kTls10, kTls11, kTls12, kTls13 };

// The `tls_server_config:` section of --web.config.file.
struct TlsServerConfig {
  std::string cert_file, key_file, client_ca_file;  // resolved paths ("" when given inline)
  std::string cert_pem, key_pem, client_ca_pem;     // their contents, read by LoadWebConfig
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  TlsVersion min_version = TlsVersion::kTls12;
  TlsVersion max_version = TlsVersion::kTls13;
  bool prefer_server_cipher_suites = true;  // accepted for compatibility; Go ignores it too
};

// Everything --web.config.file can set (the exporter-toolkit web configuration format).
struct WebConfig {
  std::optional<TlsServerConfig> tls;                        // absent: plain HTTP
  std::map<std::string, std::string> basic_auth_users;       // user -> bcrypt hash
  std::vector<std::pair<std::string, std::string>> headers;  // http_server_config.headers
  bool http2 = true;  // http_server_config.http2; accepted, only HTTP/1.1 is served
};

// Reads the file and the files it names (each a regular file of at most 1 MiB); on error
// returns false with a one-line *error that starts with the path.
bool LoadWebConfig(const std::string& path, WebConfig* out, std::string* error);

// Pure part for unit tests and the fuzzer: text + the directory relative paths are
// resolved against; reads no files (the *_pem fields stay empty unless given inline).
bool ParseWebConfig(const std::string& yaml, const std::string& base_dir, WebConfig* out,
                    std::string* error);

// Name of a version as written in the file ("TLS12").
const char* TlsVersionName(TlsVersion v);

}  // namespace se
