#include "harness/tls_files.h"

#include <crypt.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "harness/command.h"

namespace se::test {
namespace {

const char* const kEcKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

std::string Quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace

TlsFiles::TlsFiles() {
  char tmpl[] = "/tmp/se-tls.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  const std::string client_ext = "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n";
  for (const std::string& err :
       {MakeCa("ca", "socket_exporter test CA"), MakeCa("other_ca", "another test CA"),
        MakeServerPair("1001", "server.pem", "server.key"),
        Sign("ca", "client", "client", "2001", client_ext),
        Sign("other_ca", "other_client", "other client", "3001", client_ext)}) {
    if (!err.empty() && error_.empty()) error_ = err;
  }
}

TlsFiles::~TlsFiles() {
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

void TlsFiles::Write(const std::string& name, const std::string& text) const {
  const std::string tmp = Path(name + ".tmp");
  std::ofstream(tmp) << text;
  std::rename(tmp.c_str(), Path(name).c_str());  // a reader never sees half a file
}

std::string TlsFiles::Run(const std::string& shell_command) const {
  const CommandResult r = RunCommand({"sh", "-c", "cd " + Quote(dir_) + " && " + shell_command},
                                     std::chrono::seconds(30));
  if (r.exit_code == 0) return "";
  return shell_command + ": exit " + std::to_string(r.exit_code) + ": " + r.err;
}

std::string TlsFiles::MakeCa(const std::string& name, const std::string& cn) const {
  return Run(std::string("openssl req -x509 ") + kEcKey + " -keyout " + name + ".key -out " + name +
             ".pem -days 2 -subj " + Quote("/CN=" + cn) +
             " -addext basicConstraints=critical,CA:TRUE"
             " -addext keyUsage=critical,keyCertSign,cRLSign 2>&1");
}

std::string TlsFiles::Sign(const std::string& ca, const std::string& name, const std::string& cn,
                           const std::string& serial, const std::string& extensions) const {
  Write(name + ".ext", extensions);
  return Run(std::string("openssl req ") + kEcKey + " -keyout " + name + ".key -out " + name +
             ".csr -subj " + Quote("/CN=" + cn) + " && openssl x509 -req -in " + name +
             ".csr -CA " + ca + ".pem -CAkey " + ca + ".key -set_serial 0x" + serial +
             " -days 2 -extfile " + name + ".ext -out " + name + ".pem 2>&1");
}

std::string TlsFiles::MakeServerPair(const std::string& serial, const std::string& cert,
                                     const std::string& key) const {
  const std::string name = "server-" + serial;
  const std::string err =
      Sign("ca", name, "127.0.0.1", serial,
           "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
           "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n");
  if (!err.empty()) return err;
  // The key first: a reload between the two renames then fails (a mismatched pair) rather
  // than serving a certificate nobody holds the key of.
  return Run("mv -f " + name + ".key " + Quote(key) + " && mv -f " + name + ".pem " + Quote(cert));
}

std::string BcryptHash(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof(setting)) == nullptr) return "";
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(password.c_str(), setting, data.get(), sizeof(*data));
  return out != nullptr && out[0] != '*' ? out : "";
}

CurlResult Curl(const std::vector<std::string>& args, std::chrono::seconds max_time) {
  const std::string headers = MakeTempFile("se-curl-headers");
  const std::string body = MakeTempFile("se-curl-body");
  std::vector<std::string> argv = {
      "curl", "-sS", "--max-time",  std::to_string(max_time.count()), "-D", headers, "-o",
      body,   "-w",  "%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = RunCommand(argv, max_time + std::chrono::seconds(5));
  CurlResult c;
  c.exit_code = r.exit_code;
  c.status = std::atoi(r.out.c_str());
  c.headers = ReadFile(headers);
  c.body = ReadFile(body);
  c.err = r.err;
  unlink(headers.c_str());
  unlink(body.c_str());
  return c;
}

std::string PresentedSerial(uint16_t port) {
  const std::string cmd = "openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                          " </dev/null 2>/dev/null | openssl x509 -noout -serial";
  const CommandResult r = RunCommand({"sh", "-c", cmd}, std::chrono::seconds(10));
  const std::string prefix = "serial=";
  if (r.exit_code != 0 || r.out.compare(0, prefix.size(), prefix) != 0) return "";
  std::string serial = r.out.substr(prefix.size());
  while (!serial.empty() && (serial.back() == '\n' || serial.back() == '\r')) serial.pop_back();
  return serial;
}

}  // namespace se::test
