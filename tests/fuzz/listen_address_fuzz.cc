// Fuzzes the --web.listen-address parser: never crashes; a successful parse holds an address
// inet_pton accepts (or none) and reads back to itself; a failure leaves the output alone and
// its error adds no line break of its own.

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include "config/listen_address.h"
#include "fuzz_check.h"

namespace {

bool Same(const se::ListenAddress& a, const se::ListenAddress& b) {
  return a.host == b.host && a.port == b.port && a.ipv6 == b.ipv6;
}

std::string Format(const se::ListenAddress& a) {
  const std::string host = a.ipv6 ? "[" + a.host + "]" : a.host;
  return host + ":" + std::to_string(a.port);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = se::fuzz::Argument(data, size);
  se::ListenAddress sentinel;
  sentinel.host = "sentinel";
  sentinel.port = 7;
  se::ListenAddress a = sentinel;
  std::string error;
  if (!se::ParseListenAddress(text, &a, &error)) {
    FUZZ_CHECK(!error.empty(), "a failure without an error");
    // The error quotes the value; only the value itself may bring a line break.
    FUZZ_CHECK(!se::fuzz::IsOneLine(text) || se::fuzz::IsOneLine(error), error);
    FUZZ_CHECK(Same(a, sentinel), "a failed parse changed the output");
    return 0;
  }
  if (a.ipv6) {
    in6_addr v6;
    FUZZ_CHECK(inet_pton(AF_INET6, a.host.c_str(), &v6) == 1, a.host);
  } else if (!a.host.empty()) {
    in_addr v4;
    FUZZ_CHECK(inet_pton(AF_INET, a.host.c_str(), &v4) == 1, a.host);
  }
  const std::string again = Format(a);
  se::ListenAddress b;
  FUZZ_CHECK(se::ParseListenAddress(again, &b, &error), again + ": " + error);
  FUZZ_CHECK(Same(a, b), again);
  return 0;
}
