// A small JSON reader for the payloads the end-to-end tests inspect: Alertmanager webhook
// notifications and Prometheus HTTP API answers. Reads only; numbers are kept as text.
#ifndef SE_TEST_E2E_JSON_H_
#define SE_TEST_E2E_JSON_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace se::test {

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  // Parses a whole document; on failure returns false and sets *error (with the byte offset).
  static bool Parse(const std::string& text, Json* out, std::string* error);

  Type type() const { return type_; }
  bool IsObject() const { return type_ == Type::kObject; }
  bool IsArray() const { return type_ == Type::kArray; }

  // The member `key` of an object; a null value when absent or not an object.
  const Json& operator[](const std::string& key) const;
  // Elements of an array; empty for anything else.
  const std::vector<Json>& Items() const { return items_; }
  // Members of an object in document order; empty for anything else.
  const std::vector<std::pair<std::string, Json>>& Members() const { return members_; }
  // Strings as themselves, numbers and booleans as written, everything else empty.
  const std::string& Text() const { return text_; }
  // An object of string values (such as alert labels) as a map.
  std::map<std::string, std::string> StringMap() const;

 private:
  friend class JsonParser;

  Type type_ = Type::kNull;
  std::string text_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

}  // namespace se::test

#endif  // SE_TEST_E2E_JSON_H_
