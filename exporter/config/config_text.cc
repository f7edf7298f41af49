#include "config/config_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <vector>

#include "net/unique_fd.h"

namespace se {
namespace {

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

std::string TooLargeError(const std::string& path, const std::string& size) {
  return path + " is " + size + " bytes; at most 1 MiB is read";
}

}  // namespace

// yaml-cpp's Load would ignore further documents silently. They are counted with the event
// parser and at most two steps: LoadAll loops for ever on some malformed input in yaml-cpp
// 0.7 (a lone ","), adding empty documents, so a second one counts only if it starts later.
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

bool ReadConfigText(const std::string& path, bool regular_only, std::string* text,
                    std::string* error) {
  // O_NONBLOCK: opening a FIFO nobody writes to must not hang a reload.
  const int flags = O_RDONLY | O_CLOEXEC | (regular_only ? O_NONBLOCK : 0);
  UniqueFd fd(open(path.c_str(), flags));
  if (!fd) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  if (regular_only && !S_ISREG(st.st_mode)) {
    *error = path + ": not a regular file";
    return false;
  }
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > kMaxConfigBytes) {
    *error = TooLargeError(path, std::to_string(st.st_size));
    return false;
  }
  // Read one byte past the limit: files that stat cannot size (pipes) are bounded too.
  text->clear();
  char buf[4096];
  while (text->size() <= kMaxConfigBytes) {
    const ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = path + ": " + std::strerror(errno);  // EISDIR for a directory
      return false;
    }
    if (n == 0) break;
    text->append(buf, static_cast<size_t>(n));
  }
  if (text->size() > kMaxConfigBytes) {
    *error = TooLargeError(path, "more than " + std::to_string(kMaxConfigBytes));
    return false;
  }
  return true;
}

}  // namespace se
