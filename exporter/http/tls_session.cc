#include "http/tls_session.h"

#include <gnutls/gnutls.h>

namespace se {

std::string TlsPriorities(const TlsServerConfig& tls) {
  static const struct {
    TlsVersion version;
    const char* name;
  } kVersions[] = {{TlsVersion::kTls13, "TLS1.3"},
                   {TlsVersion::kTls12, "TLS1.2"},
                   {TlsVersion::kTls11, "TLS1.1"},
                   {TlsVersion::kTls10, "TLS1.0"}};
  std::string p = "NORMAL:-VERS-ALL";
  for (const auto& v : kVersions) {
    if (v.version >= tls.min_version && v.version <= tls.max_version)
      p += std::string(":+VERS-") + v.name;
  }
  return p;
}

bool CheckTlsMaterial(const TlsServerConfig& tls, std::string* error) {
  gnutls_certificate_credentials_t creds = nullptr;
  if (gnutls_certificate_allocate_credentials(&creds) != GNUTLS_E_SUCCESS) {
    *error = "cannot allocate TLS credentials";
    return false;
  }
  auto datum = [](const std::string& s) {
    return gnutls_datum_t{reinterpret_cast<unsigned char*>(const_cast<char*>(s.data())),
                          static_cast<unsigned>(s.size())};
  };
  const gnutls_datum_t cert = datum(tls.cert_pem), key = datum(tls.key_pem);
  int rc = gnutls_certificate_set_x509_key_mem(creds, &cert, &key, GNUTLS_X509_FMT_PEM);
  std::string what = "tls_server_config: cert_file and key_file";
  if (rc >= 0 && !tls.client_ca_pem.empty()) {
    const gnutls_datum_t ca = datum(tls.client_ca_pem);
    rc = gnutls_certificate_set_x509_trust_mem(creds, &ca, GNUTLS_X509_FMT_PEM);
    if (rc == 0) rc = GNUTLS_E_NO_CERTIFICATE_FOUND;
    what = "tls_server_config.client_ca_file";
  }
  gnutls_certificate_free_credentials(creds);
  if (rc < 0) {
    *error = what + ": " + gnutls_strerror(rc);
    return false;
  }
  gnutls_priority_t priority = nullptr;
  rc = gnutls_priority_init(&priority, TlsPriorities(tls).c_str(), nullptr);
  if (rc < 0) {
    *error = "tls_server_config: min_version/max_version: " + std::string(gnutls_strerror(rc));
    return false;
  }
  gnutls_priority_deinit(priority);
  return true;
}

void ApplyClientAuth(void* session, ClientAuth mode) {
  auto* s = static_cast<gnutls_session_t>(session);
  gnutls_certificate_request_t request = GNUTLS_CERT_IGNORE;
  bool verify = false;
  switch (mode) {
    case ClientAuth::kNoClientCert:
      break;
    case ClientAuth::kRequestClientCert:
      request = GNUTLS_CERT_REQUEST;
      break;
    case ClientAuth::kRequireAnyClientCert:
      request = GNUTLS_CERT_REQUIRE;
      break;
    case ClientAuth::kVerifyClientCertIfGiven:
      request = GNUTLS_CERT_REQUEST;
      verify = true;
      break;
    case ClientAuth::kRequireAndVerifyClientCert:
      request = GNUTLS_CERT_REQUIRE;
      verify = true;
      break;
  }
  gnutls_certificate_server_set_request(s, request);
  // Verification against the trusted client CAs happens in the handshake, so a bad or
  // (when required) missing certificate fails it before any request is read.
  if (verify) gnutls_session_set_verify_cert(s, nullptr, 0);
}

}  // namespace se
