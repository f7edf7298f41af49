// The dumped DOM of the live page, read with regular expressions: good enough for the page's own
// markup, where tr, td and pre never nest in themselves.
#ifndef SE_TEST_E2E_LIVE_VIEW_DOM_H_
#define SE_TEST_E2E_LIVE_VIEW_DOM_H_

#include <cstdlib>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace se::test {

// An HTML element of the dumped DOM: its attributes and its inner HTML.
struct Element {
  std::map<std::string, std::string> attrs;
  std::string inner;
};

inline std::vector<Element> Elements(const std::string& html, const std::string& tag) {
  static const std::regex kAttr(R"re(([A-Za-z_:][-A-Za-z0-9_:.]*)(?:="([^"]*)")?)re");
  const std::regex start("<" + tag + R"re((\s[^>]*)?>)re");
  const std::string end = "</" + tag + ">";
  std::vector<Element> out;
  for (std::sregex_iterator it(html.begin(), html.end(), start), last; it != last; ++it) {
    Element e;
    const std::string attrs = (*it)[1].str();
    for (std::sregex_iterator a(attrs.begin(), attrs.end(), kAttr); a != last; ++a)
      e.attrs[(*a)[1].str()] = (*a)[2].str();
    const size_t from = static_cast<size_t>(it->position() + it->length());
    const size_t to = html.find(end, from);
    e.inner = html.substr(from, to == std::string::npos ? std::string::npos : to - from);
    out.push_back(std::move(e));
  }
  return out;
}

inline std::string Attr(const Element& e, const std::string& name) {
  const auto it = e.attrs.find(name);
  return it != e.attrs.end() ? it->second : "";
}

inline bool HasClass(const Element& e, const std::string& cls) {
  return (" " + Attr(e, "class") + " ").find(" " + cls + " ") != std::string::npos;
}

// The first element whose attribute `attr` is `value`; elements must outlive the result.
inline const Element* FindBy(const std::vector<Element>& elements, const std::string& attr,
                             const std::string& value) {
  for (const Element& e : elements) {
    if (e.attrs.count(attr) != 0 && Attr(e, attr) == value) return &e;
  }
  return nullptr;
}
const Element* FindBy(std::vector<Element>&&, const std::string&, const std::string&) = delete;

// Text of inner HTML without tags and thousands separators, as a number.
inline std::optional<double> ShownNumber(const std::string& inner) {
  const std::string text = std::regex_replace(std::regex_replace(inner, std::regex("<[^>]*>"), ""),
                                              std::regex("[,\\s]"), "");
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') return std::nullopt;
  return v;
}

}  // namespace se::test

#endif  // SE_TEST_E2E_LIVE_VIEW_DOM_H_
