#pragma once

#include <cstdint>

namespace se {

// This process's resident set in bytes (/proc/self/statm), or 0 if it cannot be read.
uint64_t ResidentBytes();

}  // namespace se
