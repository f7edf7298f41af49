#pragma once

// Building blocks of the --web.config.file parser shared by its sections; not a public API.

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/web_config.h"

namespace se {
namespace web_config_internal {

// A key of the exporter-toolkit format that this exporter refuses rather than ignores.
struct Unsupported {
  const char* key;
  const char* hint;  // after "remove it", e.g. "; the TLS library's defaults are used"
};

// Called for each known key of a map; returns "" or a full one-line error.
using KeyHandler = std::function<std::string(const std::string& key, const YAML::Node& value)>;

// Checks that node is a map (null counts as empty) of unique, known keys and hands each
// value to handle. `path` names the map in errors ("" for the top level).
bool WalkMap(const YAML::Node& node, const std::string& path, const std::vector<std::string>& keys,
             const std::vector<Unsupported>& unsupported, const KeyHandler& handle,
             std::string* error);

// "a.b" or "b" when a is "".
std::string Join(const std::string& path, const std::string& key);

// Reads a string scalar (null gives ""); returns "" or the error after the path.
std::string ReadString(const YAML::Node& node, std::string* out);

// Reads true or false; returns "" or the error after the path.
std::string ReadBool(const YAML::Node& node, bool* out);

// The tls_server_config section (web_config_tls.cc); paths resolved against base_dir.
bool ParseTls(const YAML::Node& node, const std::string& base_dir,
              std::optional<TlsServerConfig>* out, std::string* error);

// "" if pem holds a PEM block of the given label ("CERTIFICATE"; "PRIVATE KEY" matches
// every "... PRIVATE KEY" kind), else what is wrong.
std::string PemError(const std::string& pem, const std::string& label);

}  // namespace web_config_internal
}  // namespace se
