#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <utility>
#include <vector>

#include "config/options.h"

namespace se::log {

using Fields = std::vector<std::pair<std::string, std::string>>;

// Sends every line to stderr in the given format.
void Setup(LogFormat format, const std::string& level);

// One structured line: level, message and key/value fields.
void Write(spdlog::level::level_enum level, const std::string& msg, const Fields& fields = {});

inline void Debug(const std::string& m, const Fields& f = {}) { Write(spdlog::level::debug, m, f); }
inline void Info(const std::string& m, const Fields& f = {}) { Write(spdlog::level::info, m, f); }
inline void Warn(const std::string& m, const Fields& f = {}) { Write(spdlog::level::warn, m, f); }
inline void Error(const std::string& m, const Fields& f = {}) { Write(spdlog::level::err, m, f); }

// Formats one line without a trailing newline (pure, for tests).
std::string FormatLine(LogFormat format, const std::string& timestamp, const std::string& level,
                       const std::string& msg, const Fields& fields);

}  // namespace se::log
