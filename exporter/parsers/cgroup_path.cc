#include "parsers/cgroup_path.h"

#include <algorithm>
#include <vector>

namespace se {
namespace {

std::vector<std::string_view> Components(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Container IDs are hex; runtimes use 64 digits, and 12 is the shortest form anyone prints.
bool IsContainerId(std::string_view s) {
  return s.size() >= 12 && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

struct ScopePrefix {
  std::string_view prefix;
  std::string_view runtime;
};

// Longest first, so "crio-conmon-" is not read as "crio-" with an ID "conmon-...".
constexpr ScopePrefix kScopes[] = {
    {"cri-containerd-", "containerd"}, {"crio-conmon-", "cri-o"}, {"crio-", "cri-o"},
    {"libpod-conmon-", "podman"},      {"libpod-", "podman"},     {"docker-", "docker"},
};

// "<runtime>-<ID>.scope" (systemd) or "libpod-<ID>" (podman's cgroupfs manager).
bool ReadScope(std::string_view part, CgroupIdentity* id) {
  for (const ScopePrefix& s : kScopes) {
    if (!StartsWith(part, s.prefix)) continue;
    std::string_view rest = part.substr(s.prefix.size());
    if (EndsWith(rest, ".scope")) rest.remove_suffix(6);
    if (!IsContainerId(rest)) return false;
    id->runtime = std::string(s.runtime);
    id->container_id = std::string(rest);
    return true;
  }
  return false;
}

constexpr std::string_view kQosLevels[] = {"burstable", "besteffort"};

// kubepods-<qos>.slice, kubepods-<qos>-pod<UID>.slice, kubepods-pod<UID>.slice (systemd, with
// the UID's dashes as underscores), or <qos> and pod<UID> (cgroupfs).
void ReadPodPart(std::string_view part, CgroupIdentity* id) {
  std::string_view name = part;
  if (EndsWith(name, ".slice")) name.remove_suffix(6);
  if (StartsWith(name, "kubepods-")) name.remove_prefix(9);
  for (std::string_view qos : kQosLevels) {
    if (StartsWith(name, qos)) {
      id->qos = std::string(qos);
      name.remove_prefix(qos.size());
      if (StartsWith(name, "-")) name.remove_prefix(1);
    }
  }
  if (!StartsWith(name, "pod") || name.size() <= 3) return;
  std::string uid(name.substr(3));
  std::replace(uid.begin(), uid.end(), '_', '-');
  id->pod_uid = uid;
}

CgroupIdentity ParseKubernetes(const std::vector<std::string_view>& parts, size_t first) {
  CgroupIdentity id;
  id.kind = WorkloadKind::kPod;
  id.qos = "guaranteed";  // until a QoS level shows in the path
  for (size_t i = first + 1; i < parts.size(); ++i) {
    if (id.pod_uid.empty()) {
      ReadPodPart(parts[i], &id);
    } else if (id.container_id.empty()) {
      if (!ReadScope(parts[i], &id) && IsContainerId(parts[i]))
        id.container_id = std::string(parts[i]);  // cgroupfs driver: the bare ID
    }
  }
  if (id.pod_uid.empty()) id.kind = WorkloadKind::kOther;  // a QoS slice itself
  return id;
}

}  // namespace

CgroupIdentity ParseCgroupPath(std::string_view path) {
  const std::vector<std::string_view> parts = Components(path);
  CgroupIdentity id;
  if (parts.empty()) {
    id.kind = WorkloadKind::kHost;
    return id;
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "kubepods.slice" || parts[i] == "kubepods") return ParseKubernetes(parts, i);
  }
  // The deepest container scope wins: podman puts the container's processes in
  // libpod-<ID>.scope/container.
  for (size_t i = parts.size(); i-- > 0;) {
    const bool docker_cgroupfs = i > 0 && parts[i - 1] == "docker" && IsContainerId(parts[i]);
    if (docker_cgroupfs) {
      id.runtime = "docker";
      id.container_id = std::string(parts[i]);
    }
    if (docker_cgroupfs || ReadScope(parts[i], &id)) {
      id.kind = WorkloadKind::kContainer;
      return id;
    }
  }
  for (size_t i = parts.size(); i-- > 0;) {
    if (EndsWith(parts[i], ".service")) {
      id.kind = WorkloadKind::kService;
      id.unit = std::string(parts[i]);
      return id;
    }
  }
  return id;
}

}  // namespace se
