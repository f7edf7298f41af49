// Certificates made with openssl, bcrypt hashes and curl requests for the TLS and auth tests.
#ifndef SE_TEST_HARNESS_TLS_FILES_H_
#define SE_TEST_HARNESS_TLS_FILES_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace se::test {

// A temporary directory holding, all ECDSA P-256 and valid for two days:
//   ca.pem/ca.key             the CA the exporter trusts for clients and curl trusts for it
//   server.pem/server.key     signed by ca, for IP 127.0.0.1 and DNS localhost, serial 1001
//   client.pem/client.key     signed by ca (clientAuth)
//   other_ca.pem, other_client.pem/.key   a second CA and a client it signed
// Removed with its contents at destruction.
class TlsFiles {
 public:
  TlsFiles();
  ~TlsFiles();
  TlsFiles(const TlsFiles&) = delete;
  TlsFiles& operator=(const TlsFiles&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }  // the openssl command that failed
  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // Writes text to dir/name (replacing it), e.g. a web config.
  void Write(const std::string& name, const std::string& text) const;
  // Signs a new server pair with ca under the given serial (hex) into cert/key, written to
  // temporary names first and renamed over the old ones; returns "" or the failed command.
  std::string MakeServerPair(const std::string& serial, const std::string& cert,
                             const std::string& key) const;

 private:
  std::string Run(const std::string& shell_command) const;  // "" or what failed
  std::string MakeCa(const std::string& name, const std::string& cn) const;
  std::string Sign(const std::string& ca, const std::string& name, const std::string& cn,
                   const std::string& serial, const std::string& extensions) const;

  std::string dir_;
  std::string error_;
};

// A bcrypt hash of password at cost 4 (the cheapest), made by libxcrypt.
std::string BcryptHash(const std::string& password);

struct CurlResult {
  int exit_code = -1;   // curl's: 0 ok, 35 handshake failed, 56 receive failed, ...
  int status = 0;       // HTTP status, 0 when none was received
  std::string headers;  // the response header block
  std::string body;
  std::string err;  // curl's stderr
};

// Runs curl -sS with args (flags then the URL) and a bounded --max-time.
CurlResult Curl(const std::vector<std::string>& args,
                std::chrono::seconds max_time = std::chrono::seconds(5));

// Serial (upper-case hex, as openssl prints it) of the certificate the server on
// 127.0.0.1:port presents to a fresh connection; "" if none.
std::string PresentedSerial(uint16_t port);

}  // namespace se::test

#endif  // SE_TEST_HARNESS_TLS_FILES_H_
