#pragma once

#include <string>
#include <string_view>

namespace se {

// The names a container runtime wrote into a container's OCI bundle (config.json
// annotations): Kubernetes' pod, namespace and container for CRI runtimes.
struct ContainerNames {
  std::string pod;
  std::string pod_namespace;
  std::string pod_uid;
  std::string container;
  bool sandbox = false;  // the pod's sandbox (pause) container, not one of its own
};

// Reads the annotations of a config.json: containerd's CRI plugin
// (io.kubernetes.cri.sandbox-name, -namespace, -uid, container-name, container-type) and
// CRI-O's (io.kubernetes.pod.name, .namespace, .uid, io.kubernetes.container.name). False, with
// *error set, if the text is not a JSON object; a bundle without these annotations gives
// empty names and true.
bool ParseOciConfig(std::string_view json, ContainerNames* names, std::string* error);

}  // namespace se
