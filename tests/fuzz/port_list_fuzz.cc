// Fuzzes the --ports.track parser: never crashes; a failure leaves the output alone and its
// error adds no line break of its own; a success is a sorted list of unique ports 1-65535 that
// reads back to itself when written out again.

#include <string>
#include <vector>

#include "config/port_list.h"
#include "fuzz_check.h"

namespace {

// The list in the parser's own syntax, with runs written as ranges.
std::string Format(const std::vector<uint16_t>& ports) {
  std::string text;
  for (size_t i = 0; i < ports.size();) {
    size_t j = i;
    while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
    text += (text.empty() ? "" : ",") + std::to_string(ports[i]);
    if (j > i) text += "-" + std::to_string(ports[j]);
    i = j + 1;
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = se::fuzz::Argument(data, size);
  const std::vector<uint16_t> sentinel = {7};
  std::vector<uint16_t> ports = sentinel;
  std::string error;
  if (!se::ParsePortList(text, &ports, &error)) {
    FUZZ_CHECK(!error.empty(), "a failure without an error");
    // The error quotes the bad token; only the value itself may bring a line break.
    FUZZ_CHECK(!se::fuzz::IsOneLine(text) || se::fuzz::IsOneLine(error), error);
    FUZZ_CHECK(ports == sentinel, "a failed parse changed the output");
    return 0;
  }
  for (size_t i = 0; i < ports.size(); ++i) {
    FUZZ_CHECK(ports[i] >= 1, "port 0 accepted");
    FUZZ_CHECK(i == 0 || ports[i - 1] < ports[i], "ports not sorted and unique");
  }
  const std::string again = Format(ports);
  std::vector<uint16_t> reparsed;
  FUZZ_CHECK(se::ParsePortList(again, &reparsed, &error), again + ": " + error);
  FUZZ_CHECK(reparsed == ports, again);
  return 0;
}
