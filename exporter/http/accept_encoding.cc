#include "http/accept_encoding.h"

#include <strings.h>

#include <string>

namespace se {
namespace {

std::string_view Trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, const char* b) {
  const std::string_view bv(b);
  return a.size() == bv.size() && strncasecmp(a.data(), b, a.size()) == 0;
}

// The part of s before `sep` (all of it if absent); s keeps what follows the separator.
std::string_view Next(std::string_view* s, char sep) {
  const size_t at = s->find(sep);
  const std::string_view head = s->substr(0, at);
  *s = at == std::string_view::npos ? std::string_view() : s->substr(at + 1);
  return head;
}

// One element "coding;p=v;q=0.5": its q-value (1000 without one); nullopt if malformed.
std::optional<int> QOf(std::string_view params) {
  int q = 1000;
  while (!params.empty()) {
    std::string_view param = Next(&params, ';');
    const std::string_view name = Trim(Next(&param, '='));
    if (!EqualsIgnoreCase(name, "q")) continue;  // other parameters do not matter here
    const std::optional<int> parsed = ParseQValue(Trim(param));
    if (!parsed) return std::nullopt;
    q = *parsed;
  }
  return q;
}

}  // namespace

std::optional<int> ParseQValue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  int q = (text[0] - '0') * 1000;
  if (text.size() == 1) return q;
  if (text[1] != '.' || text.size() > 5) return std::nullopt;
  int scale = 100;
  for (const char c : text.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    q += (c - '0') * scale;
    scale /= 10;
  }
  if (q > 1000) return std::nullopt;  // "1.5" is not a q-value
  return q;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  std::optional<int> gzip, any;  // the highest q given to each
  while (!accept_encoding.empty()) {
    std::string_view params = Next(&accept_encoding, ',');
    const std::string_view coding = Trim(Next(&params, ';'));
    const bool is_gzip = EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip");
    if (!is_gzip && coding != "*") continue;
    const std::optional<int> q = QOf(params);
    if (!q) continue;
    std::optional<int>& slot = is_gzip ? gzip : any;
    if (!slot || *q > *slot) slot = q;
  }
  if (gzip) return *gzip > 0;
  return any && *any > 0;
}

}  // namespace se
