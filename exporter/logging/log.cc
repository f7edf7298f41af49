#include "logging/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <chrono>
#include <ctime>

namespace se::log {
namespace {

std::atomic<int> g_format{static_cast<int>(LogFormat::kLogfmt)};

std::string Escape(const std::string& s, bool json) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), json ? "\\u%04x" : "\\x%02x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string LogfmtValue(const std::string& v) {
  if (!v.empty() && v.find_first_of(" =\"\\\n\t") == std::string::npos) return v;
  return "\"" + Escape(v, false) + "\"";
}

std::string Now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(ms.count() % 1000));
  return out;
}

const char* LevelName(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    default:
      return "error";
  }
}

}  // namespace

std::string FormatLine(LogFormat format, const std::string& timestamp, const std::string& level,
                       const std::string& msg, const Fields& fields) {
  std::string line;
  if (format == LogFormat::kJson) {
    line = "{\"ts\":\"" + timestamp + "\",\"level\":\"" + level + "\",\"msg\":\"" +
           Escape(msg, true) + "\"";
    for (const auto& [k, v] : fields)
      line += ",\"" + Escape(k, true) + "\":\"" + Escape(v, true) + "\"";
    return line + "}";
  }
  line = "ts=" + timestamp + " level=" + level + " msg=" + LogfmtValue(msg);
  for (const auto& [k, v] : fields) line += " " + k + "=" + LogfmtValue(v);
  return line;
}

void Setup(LogFormat format, const std::string& level) {
  g_format = static_cast<int>(format);
  auto logger = std::make_shared<spdlog::logger>("socket_exporter",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void Write(spdlog::level::level_enum level, const std::string& msg, const Fields& fields) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  logger->log(
      level, "{}",
      FormatLine(static_cast<LogFormat>(g_format.load()), Now(), LevelName(level), msg, fields));
}

}  // namespace se::log
