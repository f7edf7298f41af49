#include "config/config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <sstream>
#include <vector>

#include "config/config_fields.h"
#include "net/unique_fd.h"

namespace se {
namespace {

using config_internal::Field;

constexpr size_t kMaxConfigBytes = 1 << 20;  // a config is a few KiB; this bounds the read

const std::vector<Field<SynFloodConfig>>& SynFloodFields() {
  using S = SynFloodConfig;
  static const std::vector<Field<S>> fields = {
      {"tick", &S::tick, {100, true, 60000, "a duration from 100ms to 60s, e.g. 500ms or 2.5s"}},
      {"min_syn_rate", &S::min_syn_rate, {0, false, NAN, "a number greater than 0"}},
      {"max_completion_ratio",
       &S::max_completion_ratio,
       {0, false, 1, "a number greater than 0 and at most 1"}},
      {"min_listen_drop_rate", &S::min_listen_drop_rate, {0, true, NAN, "a number at least 0"}},
      {"half_open_fill",
       &S::half_open_fill,
       {0, false, 1, "a number greater than 0 and at most 1"}},
      {"activate_ticks", &S::activate_ticks, {1, true, 60, "an integer from 1 to 60"}},
      {"clear_ticks", &S::clear_ticks, {1, true, 600, "an integer from 1 to 600"}},
      {"top_sources", &S::top_sources, {0, true, 50, "an integer from 0 to 50"}},
  };
  return fields;
}

const std::vector<Field<PortScanConfig>>& PortScanFields() {
  using S = PortScanConfig;
  static const std::vector<Field<S>> fields = {
      {"min_ports", &S::min_ports, {2, true, 1024, "an integer from 2 to 1024"}},
      {"min_addresses", &S::min_addresses, {2, true, 1024, "an integer from 2 to 1024"}},
      {"window", &S::window, {1000, true, 600000, "a duration from 1s to 10m, e.g. 30s or 2m"}},
      {"max_sources", &S::max_sources, {16, true, 1048576, "an integer from 16 to 1048576"}},
      {"tick", &S::tick, {100, true, 60000, "a duration from 100ms to 60s, e.g. 500ms or 2.5s"}},
  };
  return fields;
}

const std::vector<Field<EventLogConfig>>& EventLogFields() {
  using S = EventLogConfig;
  static const std::vector<Field<S>> fields = {
      {"burst", &S::burst, {1, true, 1000, "an integer from 1 to 1000"}},
      {"interval",
       &S::interval,
       {100, true, 3600000, "a duration from 100ms to 1h, e.g. 10s or 5m"}},
      {"max_keys", &S::max_keys, {16, true, 1048576, "an integer from 16 to 1048576"}},
      {"max_lines_per_second",
       &S::max_lines_per_second,
       {1, true, 100000, "an integer from 1 to 100000"}},
  };
  return fields;
}

bool ParseRoot(const YAML::Node& root, Config* out, std::string* error) {
  using config_internal::ParseFields;
  const std::vector<std::string> sections = {"syn_flood", "port_scan", "event_log", "policy"};
  std::string nested;  // a section's error, which already names its path
  const auto handle = [&](const std::string& key, const YAML::Node& value) -> std::string {
    bool ok = true;
    if (key == "syn_flood") {
      ok = ParseFields(value, key, "a map of detector settings", SynFloodFields(), &out->syn_flood,
                       &nested);
    } else if (key == "port_scan") {
      ok = ParseFields(value, key, "a map of detector settings", PortScanFields(), &out->port_scan,
                       &nested);
    } else if (key == "event_log") {
      ok = ParseFields(value, key, "a map of rate limit settings", EventLogFields(),
                       &out->event_log, &nested);
    } else {
      ok = config_internal::ParsePolicy(value, &out->policy, &nested);
    }
    return ok ? "" : nested;
  };
  const config_internal::MapSpec spec{"top level", "the top level",
                                      "a map with keys syn_flood, port_scan, event_log, policy"};
  return config_internal::ParseMap(root, spec, sections, handle, error);
}

// 1-based line of the "---" that opens the document whose content starts on mark_line
// (0-based), or 0 if none; "---" at column 0 is always a document marker in YAML.
int SeparatorLine(const std::string& text, int mark_line) {
  int found = 0, line = 0;
  for (size_t at = 0; at < text.size() && line <= mark_line; ++line) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    if (text.compare(at, 3, "---") == 0 &&
        (end - at == 3 || std::isspace(static_cast<unsigned char>(text[at + 3])))) {
      found = line + 1;
    }
    at = end + 1;
  }
  return found;
}

// Records where documents start and ignores everything else.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// A configuration is one YAML document; yaml-cpp's Load would ignore the others silently.
// The documents are counted with the event parser and at most two steps: LoadAll loops for
// ever on some malformed input in yaml-cpp 0.7 (a lone ","), adding empty documents, so a
// second document counts only if it starts after the first.
std::string SecondDocumentError(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts handler;
  if (!parser.HandleNextDocument(handler) || !parser.HandleNextDocument(handler)) return "";
  if (handler.starts.size() < 2 || handler.starts[1].pos <= handler.starts[0].pos) return "";
  const int line = SeparatorLine(text, handler.starts[1].line);
  return (line > 0 ? "line " + std::to_string(line) + ": " : std::string()) +
         "a second YAML document starts with ---; the file must hold exactly one document "
         "(remove that line, or merge the documents)";
}

std::string TooLargeError(const std::string& path, const std::string& size) {
  return path + " is " + size + " bytes; at most 1 MiB is read";
}

}  // namespace

bool ParseConfig(const std::string& yaml_text, Config* out, std::string* error) {
  Config parsed;
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    const std::string second = SecondDocumentError(yaml_text);
    if (!second.empty()) {
      *error = second;
      return false;
    }
    if (!ParseRoot(root, &parsed, error)) return false;
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      *error = config_internal::OneLine(e.msg);
      return false;
    }
    *error = "line " + std::to_string(e.mark.line + 1) + ", column " +
             std::to_string(e.mark.column + 1) + ": " + config_internal::OneLine(e.msg);
    return false;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
  *out = parsed;
  return true;
}

bool LoadConfigFile(const std::string& path, Config* out, std::string* error) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<uint64_t>(st.st_size) > kMaxConfigBytes) {
    *error = TooLargeError(path, std::to_string(st.st_size));
    return false;
  }
  // Read one byte past the limit: files that stat cannot size (pipes) are bounded too.
  std::string text;
  char buf[4096];
  while (text.size() <= kMaxConfigBytes) {
    const ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = path + ": " + std::strerror(errno);  // EISDIR for a directory
      return false;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  if (text.size() > kMaxConfigBytes) {
    *error = TooLargeError(path, "more than " + std::to_string(kMaxConfigBytes));
    return false;
  }
  if (ParseConfig(text, out, error)) return true;
  *error = path + ": " + *error;
  return false;
}

}  // namespace se
