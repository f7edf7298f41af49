#pragma once

#include <string>

#include "config/web_config.h"

namespace se {

// GnuTLS priorities allowing exactly min_version..max_version, e.g.
// "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" (pure).
std::string TlsPriorities(const TlsServerConfig& tls);

// Whether GnuTLS takes the certificate, key, client CAs and versions as libmicrohttpd will
// (so bad material fails at start-up before anything is loaded); one-line *error if not.
bool CheckTlsMaterial(const TlsServerConfig& tls, std::string* error);

// Sets a new server session's client certificate request and verification for the mode
// (libmicrohttpd only ever requests one, and never verifies it). `session` is a
// gnutls_session_t created but not yet handshaken.
void ApplyClientAuth(void* session, ClientAuth mode);

}  // namespace se
