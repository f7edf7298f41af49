// Fuzzes the /proc/net/netstat parser: never crashes, every key is "Prefix.Name" without
// whitespace, there are no more keys than name fields, and the sum over namespaces adds up.

#include <string>

#include "fuzz_check.h"
#include "parsers/netstat_parse.h"

namespace {

// The whitespace-separated fields of the text, as the parser splits its lines.
size_t CountFields(const std::string& text) {
  size_t fields = 0;
  bool in_field = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
    if (!space && !in_field) ++fields;
    in_field = !space;
  }
  return fields;
}

uint64_t Get(const std::map<std::string, uint64_t>& m, const char* key) {
  const auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = se::fuzz::Bytes(data, size);
  const auto parsed = se::ParseNetstat(text);
  // Each key needs a name field and a value field, plus the two prefixes of the pair.
  FUZZ_CHECK(parsed.size() <= CountFields(text) / 2, std::to_string(parsed.size()));
  for (const auto& [key, value] : parsed) {
    FUZZ_CHECK(key.find('.') != std::string::npos, key);
    FUZZ_CHECK(key.find_first_of(" \t\n\v\f\r") == std::string::npos, key);
  }
  FUZZ_CHECK(se::ParseNetstat(text) == parsed, "parsing is not deterministic");
  se::NetstatCounters sum;
  se::AddNetstat(parsed, &sum);
  se::AddNetstat(parsed, &sum);
  FUZZ_CHECK(sum.syncookies_sent == 2 * Get(parsed, "TcpExt.SyncookiesSent"), "sent");
  FUZZ_CHECK(sum.syncookies_failed == 2 * Get(parsed, "TcpExt.SyncookiesFailed"), "failed");
  FUZZ_CHECK(sum.listen_overflows == 2 * Get(parsed, "TcpExt.ListenOverflows"), "overflows");
  return 0;
}
