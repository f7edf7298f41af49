#include "json.h"

#include <cstdlib>
#include <stdexcept>

namespace se::test {

// Recursive descent over one document; throws std::runtime_error at the first bad byte.
class JsonParser {
 public:
  explicit JsonParser(const std::string& text) : text_(text) {}

  Json Document() {
    Json value = Value(0);
    SkipSpace();
    if (pos_ != text_.size()) Fail("trailing characters");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 64;

  [[noreturn]] void Fail(const std::string& what) const {
    throw std::runtime_error(what + " at byte " + std::to_string(pos_));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }

  char Peek() {
    SkipSpace();
    if (pos_ >= text_.size()) Fail("unexpected end");
    return text_[pos_];
  }

  void Expect(char c) {
    if (Peek() != c) Fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  bool Literal(const char* word) {
    const std::string w(word);
    if (text_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }

  Json Value(int depth) {
    if (depth > kMaxDepth) Fail("nesting too deep");
    Json v;
    const char c = Peek();
    if (c == '{') return Object(depth);
    if (c == '[') return Array(depth);
    if (c == '"') {
      v.type_ = Json::Type::kString;
      v.text_ = String();
    } else if (Literal("true")) {
      v.type_ = Json::Type::kBool;
      v.text_ = "true";
    } else if (Literal("false")) {
      v.type_ = Json::Type::kBool;
      v.text_ = "false";
    } else if (Literal("null")) {
      v.type_ = Json::Type::kNull;
    } else {
      v.type_ = Json::Type::kNumber;
      v.text_ = Number();
    }
    return v;
  }

  Json Object(int depth) {
    Json v;
    v.type_ = Json::Type::kObject;
    Expect('{');
    if (Peek() == '}') return ++pos_, v;
    while (true) {
      if (Peek() != '"') Fail("expected a member name");
      std::string key = String();
      Expect(':');
      v.members_.emplace_back(std::move(key), Value(depth + 1));
      if (Peek() == '}') return ++pos_, v;
      Expect(',');
    }
  }

  Json Array(int depth) {
    Json v;
    v.type_ = Json::Type::kArray;
    Expect('[');
    if (Peek() == ']') return ++pos_, v;
    while (true) {
      v.items_.push_back(Value(depth + 1));
      if (Peek() == ']') return ++pos_, v;
      Expect(',');
    }
  }

  std::string Number() {
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           std::string("+-.eE0123456789").find(text_[pos_]) != std::string::npos) {
      ++pos_;
    }
    if (pos_ == start) Fail("unexpected character");
    return text_.substr(start, pos_ - start);
  }

  // Appends code point cp as UTF-8.
  static void AppendUtf8(unsigned cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string String() {
    Expect('"');
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      c = text_[pos_++];
      if (c == 'u') {
        if (pos_ + 4 > text_.size()) Fail("short \\u escape");
        AppendUtf8(std::strtoul(text_.substr(pos_, 4).c_str(), nullptr, 16), &out);
        pos_ += 4;
        continue;
      }
      static const std::string kEscaped = "ntrbf", kMeant = "\n\t\r\b\f";
      const size_t at = kEscaped.find(c);
      out.push_back(at == std::string::npos ? c : kMeant[at]);  // else \" \\ \/
    }
    if (pos_ >= text_.size()) Fail("unterminated string");
    ++pos_;
    return out;
  }

  const std::string& text_;
  size_t pos_ = 0;
};

bool Json::Parse(const std::string& text, Json* out, std::string* error) {
  try {
    *out = JsonParser(text).Document();
    return true;
  } catch (const std::runtime_error& e) {
    *error = e.what();
    return false;
  }
}

const Json& Json::operator[](const std::string& key) const {
  static const Json kNull;
  for (const auto& [name, value] : members_) {
    if (name == key) return value;
  }
  return kNull;
}

std::map<std::string, std::string> Json::StringMap() const {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : members_) out[name] = value.Text();
  return out;
}

}  // namespace se::test
