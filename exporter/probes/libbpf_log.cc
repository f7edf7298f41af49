#include "probes/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <string>

#include "logging/log.h"

namespace se {
namespace {

int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
  va_list copy;
  va_copy(copy, args);
  const int n = vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string msg(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) vsnprintf(msg.data(), msg.size() + 1, fmt, args);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  const auto l = level == LIBBPF_WARN   ? spdlog::level::warn
                 : level == LIBBPF_INFO ? spdlog::level::debug
                                        : spdlog::level::trace;
  log::Write(l, msg, {{"component", "libbpf"}});
  return 0;
}

}  // namespace

void RouteLibbpfLog() { libbpf_set_print(LibbpfPrint); }

}  // namespace se
