#include "config/web_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <set>

#include "config/config_fields.h"
#include "config/config_text.h"
#include "config/web_config_fields.h"

namespace se {
namespace web_config_internal {

using config_internal::Describe;
using config_internal::OneLine;

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

namespace {

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string list;
  for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
  return list;
}

std::string KeyName(const YAML::Node& key) {
  if (!key.IsScalar()) return Describe(key);
  std::string text = OneLine(key.Scalar());
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return "\"" + text + "\"";
}

}  // namespace

bool WalkMap(const YAML::Node& node, const std::string& path, const std::vector<std::string>& keys,
             const std::vector<Unsupported>& unsupported, const KeyHandler& handle,
             std::string* error) {
  const std::string where = path.empty() ? "the top level" : path;
  if (node.IsNull()) return true;
  if (!node.IsMap()) {
    *error = where + ": " + Describe(node) + " is not a map; expected keys " + JoinKeys(keys);
    return false;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
    bool known = false;
    for (const auto& k : keys) known = known || (it->first.IsScalar() && k == name);
    for (const auto& u : unsupported) {
      if (!it->first.IsScalar() || name != u.key) continue;
      *error = Join(path, name) + " is not supported by socket_exporter; remove it" + u.hint;
      return false;
    }
    if (!known) {
      *error =
          "unknown key " + KeyName(it->first) + " in " + where + "; valid keys: " + JoinKeys(keys);
      return false;
    }
    if (!seen.insert(name).second) {
      *error = "duplicate key " + KeyName(it->first) + " in " + where;
      return false;
    }
    const std::string err = handle(name, it->second);
    if (!err.empty()) {
      *error = err;
      return false;
    }
  }
  return true;
}

std::string ReadString(const YAML::Node& node, std::string* out) {
  if (node.IsNull()) {
    out->clear();
    return "";
  }
  if (!node.IsScalar()) return Describe(node) + " is not a string";
  if (node.Scalar().find('\0') != std::string::npos) return "the value contains a NUL character";
  *out = node.Scalar();
  return "";
}

std::string ReadBool(const YAML::Node& node, bool* out) {
  const std::string& s = node.IsScalar() ? node.Scalar() : "";
  if (node.IsScalar() && !config_internal::IsQuoted(node) && (s == "true" || s == "false")) {
    *out = s == "true";
    return "";
  }
  return Describe(node) + " is not a boolean; expected true or false";
}

namespace {

struct HeaderRule {
  const char* name;
  std::vector<std::string> values;  // the only values accepted; empty: any
};

// The headers exporter-toolkit lets a configuration set, with its accepted values.
const std::array<HeaderRule, 5>& HeaderRules() {
  static const std::array<HeaderRule, 5> rules = {{
      {"Content-Security-Policy", {}},
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
  }};
  return rules;
}

std::string HeaderError(const std::string& name, const std::string& value) {
  for (const auto& rule : HeaderRules()) {
    if (name != rule.name) continue;
    for (char c : value) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return "the value contains a control character (CR, LF, ...), which would split the "
               "response";
      }
    }
    if (rule.values.empty()) return "";
    for (const auto& v : rule.values) {
      if (v == value) return "";
    }
    return "\"" + OneLine(value) + "\" is not one of " + JoinKeys(rule.values);
  }
  std::vector<std::string> names;
  for (const auto& rule : HeaderRules()) names.push_back(rule.name);
  return "can not be configured; allowed: " + JoinKeys(names);
}

bool ParseHeaders(const YAML::Node& node, WebConfig* out, std::string* error) {
  std::vector<std::string> keys;
  for (const auto& rule : HeaderRules()) keys.push_back(rule.name);
  const std::string path = "http_server_config.headers";
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
      if (std::find(keys.begin(), keys.end(), name) != keys.end()) continue;
      *error = path + ": header " + KeyName(it->first) + " " + HeaderError(name, "");
      return false;
    }
  }
  const auto handle = [&](const std::string& name, const YAML::Node& value) -> std::string {
    std::string text;
    std::string err = ReadString(value, &text);
    if (err.empty() && !text.empty()) err = HeaderError(name, text);
    if (!err.empty()) return Join(path, name) + ": " + err;
    if (!text.empty()) out->headers.emplace_back(name, text);  // blank: unset, as upstream
    return "";
  };
  return WalkMap(node, path, keys, {}, handle, error);
}

bool ParseHttpServer(const YAML::Node& node, WebConfig* out, std::string* error) {
  const std::string path = "http_server_config";
  const auto handle = [&](const std::string& key, const YAML::Node& value) -> std::string {
    if (key == "headers") {
      std::string err;
      return ParseHeaders(value, out, &err) ? "" : err;
    }
    const std::string err = ReadBool(value, &out->http2);
    return err.empty() ? "" : Join(path, key) + ": " + err;
  };
  return WalkMap(node, path, {"http2", "headers"}, {}, handle, error);
}

bool IsBcryptChar(char c) {
  return c == '.' || c == '/' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
         (c >= 'a' && c <= 'z');
}

// What is wrong with a bcrypt hash ("$2b$10$" + 22 characters of salt + 31 of hash), or "".
// The value is never quoted back: it may be a password written where a hash belongs.
std::string BcryptError(const std::string& user, const std::string& h) {
  const bool prefix = h.size() >= 7 && h[0] == '$' && h[1] == '2' &&
                      (h[2] == 'a' || h[2] == 'b' || h[2] == 'y') && h[3] == '$' &&
                      std::isdigit(static_cast<unsigned char>(h[4])) &&
                      std::isdigit(static_cast<unsigned char>(h[5])) && h[6] == '$';
  if (!prefix) {
    return "the value is not a bcrypt hash ($2y$10$ and 53 more characters); store a hash, "
           "not the password, e.g. from: htpasswd -nBC 10 " +
           OneLine(user);
  }
  const int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) {
    return "bcrypt cost " + h.substr(4, 2) + " is out of range; expected 04 to 31";
  }
  if (h.size() != 60) {
    return "a bcrypt hash has 60 characters, this one " + std::to_string(h.size());
  }
  for (size_t i = 7; i < h.size(); ++i) {
    if (!IsBcryptChar(h[i])) return "the bcrypt hash has a character outside ./0-9A-Za-z";
  }
  return "";
}

std::string UserNameError(const std::string& name) {
  if (name.empty()) return "is empty; name a user";
  if (name.find(':') != std::string::npos) {
    return "contains ':', which basic authentication cannot carry in a user name";
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "contains a control character";
  }
  return "";
}

bool ParseUsers(const YAML::Node& node, WebConfig* out, std::string* error) {
  const std::string path = "basic_auth_users";
  if (node.IsNull()) return true;
  if (!node.IsMap()) {
    *error = path + ": " + Describe(node) + " is not a map; expected user: bcrypt hash";
    return false;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      *error = path + ": a user name is " + Describe(it->first) + "; expected a string";
      return false;
    }
    const std::string user = it->first.Scalar();
    std::string err = UserNameError(user);
    if (!err.empty()) {
      *error = path + ": user " + KeyName(it->first) + " " + err;
      return false;
    }
    const std::string where = Join(path, OneLine(user.substr(0, 60)));
    if (out->basic_auth_users.count(user) != 0) {
      *error = "duplicate user " + KeyName(it->first) + " in " + path;
      return false;
    }
    if (!it->second.IsScalar() && !it->second.IsNull()) {
      *error = where + ": " + Describe(it->second) + " is not a string; expected a bcrypt hash";
      return false;
    }
    const std::string hash = it->second.IsScalar() ? it->second.Scalar() : "";
    err = BcryptError(user, hash);
    if (!err.empty()) {
      *error = where + ": " + err;
      return false;
    }
    out->basic_auth_users.emplace(user, hash);
  }
  return true;
}

bool ParseRoot(const YAML::Node& root, const std::string& base_dir, WebConfig* out,
               std::string* error) {
  const auto handle = [&](const std::string& key, const YAML::Node& value) -> std::string {
    std::string err;
    bool ok = true;
    if (key == "tls_server_config") {
      ok = ParseTls(value, base_dir, &out->tls, &err);
    } else if (key == "http_server_config") {
      ok = ParseHttpServer(value, out, &err);
    } else {
      ok = ParseUsers(value, out, &err);
    }
    return ok ? "" : err;
  };
  return WalkMap(root, "", {"tls_server_config", "http_server_config", "basic_auth_users"},
                 {{"rate_limit", "; put a rate limit in front of the exporter if one is needed"}},
                 handle, error);
}

}  // namespace
}  // namespace web_config_internal

const char* TlsVersionName(TlsVersion v) {
  switch (v) {
    case TlsVersion::kTls10:
      return "TLS10";
    case TlsVersion::kTls11:
      return "TLS11";
    case TlsVersion::kTls12:
      return "TLS12";
    case TlsVersion::kTls13:
      return "TLS13";
  }
  return "?";
}

bool ParseWebConfig(const std::string& yaml, const std::string& base_dir, WebConfig* out,
                    std::string* error) {
  WebConfig parsed;
  try {
    const YAML::Node root = YAML::Load(yaml);
    *error = SecondDocumentError(yaml);
    if (!error->empty()) return false;
    if (!web_config_internal::ParseRoot(root, base_dir, &parsed, error)) return false;
  } catch (const YAML::Exception& e) {
    *error = config_internal::YamlError(e);
    return false;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
  *out = std::move(parsed);
  return true;
}

}  // namespace se
