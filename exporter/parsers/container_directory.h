#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "parsers/oci_config.h"

namespace se {

// Names of containers read from their runtimes' own files: the OCI bundle (config.json) each
// runtime keeps per container, so no API server or runtime socket is needed.
class ContainerDirectory {
 public:
  // Where containerd (CRI's k8s.io namespace and docker's moby), CRI-O and podman keep them.
  static std::vector<std::string> DefaultRoots();

  // A bundle is ROOT/ID/config.json or ROOT/ID/userdata/config.json; files larger than
  // max_bytes are refused.
  explicit ContainerDirectory(std::vector<std::string> roots, size_t max_bytes = 1 << 20);

  // The names in container `id`'s bundle under the first root that holds it. Found names are
  // kept (a container's annotations do not change); nullopt with *error set if no root holds
  // a readable bundle, which the caller may ask again later (a bundle can lag its cgroup).
  std::optional<ContainerNames> Lookup(const std::string& id, std::string* error);

  size_t cached() const { return found_.size(); }
  void Forget(const std::string& id) { found_.erase(id); }

 private:
  bool ReadBundle(const std::string& path, std::string* text, std::string* error) const;

  const std::vector<std::string> roots_;
  const size_t max_bytes_;
  std::unordered_map<std::string, ContainerNames> found_;
};

}  // namespace se
