#pragma once

namespace se::build {

// Defined in the build_info.cc that CMake generates, the one file a new commit recompiles.
const char* Version();   // "0.1.0"
const char* Revision();  // short git commit, or "unknown"

}  // namespace se::build
