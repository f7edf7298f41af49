// Fuzzes the flag parser on argument vectors: the input is split into arguments at newlines and
// NULs (one argument per line in the corpus files). Never crashes; a failure carries a one-line
// error; a success holds only values the flags' validation allows.

#include <string>
#include <vector>

#include "config/options.h"
#include "fuzz_check.h"

namespace {

std::vector<std::string> SplitArguments(const std::string& text) {
  std::vector<std::string> args;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find_first_of(std::string("\n\0", 2), start);
    args.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!text.empty() && args.back().empty()) args.pop_back();  // a final newline ends the last
  return args;
}

void CheckOptions(const se::Options& o) {
  FUZZ_CHECK(o.ports_max >= 1 && o.ports_max <= se::kMaxPortsMax, std::to_string(o.ports_max));
  const uint32_t entries = o.conn_table_entries;
  FUZZ_CHECK(
      entries >= 2 && entries <= (1U << SE_CONN_TABLE_MAX_BITS) && (entries & (entries - 1)) == 0,
      std::to_string(entries));
  for (size_t i = 0; i < o.track_ports.size(); ++i) {
    FUZZ_CHECK(o.track_ports[i] >= 1, "port 0 tracked");
    FUZZ_CHECK(i == 0 || o.track_ports[i - 1] < o.track_ports[i], "tracked ports not sorted");
  }
  const std::string& path = o.telemetry_path;
  FUZZ_CHECK(
      !path.empty() && path[0] == '/' && path != "/" && path != "/-/healthy" && path != "/-/ready",
      path);
  FUZZ_CHECK(o.log_level == "debug" || o.log_level == "info" || o.log_level == "warn" ||
                 o.log_level == "error",
             o.log_level);
  if (o.netns_mode == se::NetnsMode::kPath) {
    FUZZ_CHECK(!o.netns_path.empty() && o.netns_path[0] == '/', o.netns_path);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> args = SplitArguments(se::fuzz::Bytes(data, size));
  const se::ParseResult r = se::ParseFlags(args);
  if (!r.ok) {
    FUZZ_CHECK(!r.error.empty(), "a failure without an error");
    // Errors quote the bad value; only a carriage return inside an argument may reach them.
    bool args_one_line = true;
    for (const auto& a : args) args_one_line = args_one_line && se::fuzz::IsOneLine(a);
    FUZZ_CHECK(!args_one_line || se::fuzz::IsOneLine(r.error), r.error);
    return 0;
  }
  FUZZ_CHECK(r.error.empty(), r.error);
  CheckOptions(r.options);
  return 0;
}
