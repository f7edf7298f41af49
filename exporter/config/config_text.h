#pragma once

// Reading and checking the raw text of YAML files (--config.file, --web.config.file).

#include <cstddef>
#include <string>

namespace se {

constexpr size_t kMaxConfigBytes = 1 << 20;  // our files are a few KiB; this bounds every read

// Reads at most kMaxConfigBytes of path into *text (pipes are bounded too). With
// regular_only, anything but a regular file is refused. Errors start with the path.
bool ReadConfigText(const std::string& path, bool regular_only, std::string* text,
                    std::string* error);

// "" when text holds at most one YAML document, else a one-line error naming the line of
// the second "---". Safe on inputs where yaml-cpp's LoadAll would loop for ever.
std::string SecondDocumentError(const std::string& text);

}  // namespace se
