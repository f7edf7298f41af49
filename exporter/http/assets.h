#pragma once

#include <cstddef>
#include <string>

namespace se {

// A file served under /assets/, embedded in the binary at build time (the files of
// exporter/http/assets/ and Chart.js from Debian's libjs-chart.js): no file or network access
// at run time.
struct Asset {
  const char* name;          // file name, lower case, e.g. "live.js"
  const char* content_type;  // from the extension
  const unsigned char* data;
  size_t size;
};

// The asset of that file name, or nullptr.
const Asset* FindAsset(const std::string& name);

}  // namespace se
