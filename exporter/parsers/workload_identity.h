#pragma once

#include <string>

#include "parsers/cgroup_path.h"
#include "parsers/oci_config.h"

namespace se {

// The names of one workload (--attribution=cgroup): the labels its per-port series carry and
// its socket_workload_info line. `workload` is the stable key every series has; the others are
// empty where they do not apply.
struct WorkloadIdentity {
  std::string workload;
  std::string pod_namespace;  // Kubernetes only
  std::string pod;            // Kubernetes only
  std::string container;      // Kubernetes' container name, a container's name or ID, a unit
  std::string pod_uid;
  std::string container_id;
  std::string cgroup;  // path below the cgroup v2 root; "" if not found
};

// Names a cgroup from its path, what the path says (ParseCgroupPath) and, for a container, the
// names in its runtime's bundle (null if none was found):
//   a Kubernetes pod's container  workload "NAMESPACE/POD/CONTAINER"; "NAMESPACE/POD" for the
//                                 pod's own cgroup or sandbox; "pod/UID" without names
//   another container             as a pod's if its bundle names a pod (Kubernetes annotations),
//                                 else its name if the bundle has one, else its ID's first 12
//                                 digits
//   a systemd service             the unit ("nginx.service")
//   the root cgroup               "host"
//   anything else                 the path without its leading "/", or "cgroup/ID" if the
//                                 path is not known (a cgroup that is already gone)
WorkloadIdentity NameWorkload(const std::string& path, const CgroupIdentity& id,
                              const ContainerNames* names, unsigned long long cgroup_id);

}  // namespace se
