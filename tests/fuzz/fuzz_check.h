#pragma once

// Invariant checks shared by the fuzzers. A failed check aborts, which libFuzzer reports as a
// crash and saves the input as an artifact, just like a sanitizer finding.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond, detail)                                                             \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n  %s\n", __FILE__, __LINE__, #cond, \
                   std::string(detail).c_str());                                             \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace se {
namespace fuzz {

// Errors are printed as one log line, so they must not break it.
inline bool IsOneLine(const std::string& s) { return s.find_first_of("\r\n") == std::string::npos; }

inline std::string Bytes(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A command-line argument is a C string: the input up to its first NUL.
inline std::string Argument(const uint8_t* data, size_t size) {
  const std::string text = Bytes(data, size);
  return text.substr(0, text.find('\0'));
}

}  // namespace fuzz
}  // namespace se
