#include "parsers/workload_identity.h"

namespace se {
namespace {

void NamePod(const CgroupIdentity& id, const ContainerNames* names, WorkloadIdentity* w) {
  w->pod_uid = id.pod_uid;
  if (names && !names->pod.empty()) {
    w->pod_namespace = names->pod_namespace;
    w->pod = names->pod;
    if (!names->sandbox) w->container = names->container;
    if (names->pod_uid.size() && w->pod_uid.empty()) w->pod_uid = names->pod_uid;
  }
  if (w->pod.empty()) {
    w->workload = "pod/" + w->pod_uid;
    return;
  }
  w->workload = w->pod_namespace + "/" + w->pod;
  if (!w->container.empty()) w->workload += "/" + w->container;
}

}  // namespace

WorkloadIdentity NameWorkload(const std::string& path, const CgroupIdentity& id,
                              const ContainerNames* names, unsigned long long cgroup_id) {
  WorkloadIdentity w;
  w.cgroup = path;
  w.container_id = id.container_id;
  if (path.empty()) {
    w.workload = "cgroup/" + std::to_string(cgroup_id);
    return w;
  }
  switch (id.kind) {
    case WorkloadKind::kHost:
      w.workload = "host";
      break;
    case WorkloadKind::kPod:
      NamePod(id, names, &w);
      break;
    case WorkloadKind::kContainer:
      if (names && !names->pod.empty()) {  // a pod's container run by hand, or by a CRI shim
        NamePod(id, names, &w);
        break;
      }
      if (names && !names->container.empty())
        w.container = names->container;
      else
        w.container = id.container_id.substr(0, 12);
      w.workload = w.container;
      break;
    case WorkloadKind::kService:
      w.container = id.unit;
      w.workload = id.unit;
      break;
    case WorkloadKind::kOther:
      w.workload = path.size() > 1 && path[0] == '/' ? path.substr(1) : path;
      break;
  }
  return w;
}

}  // namespace se
