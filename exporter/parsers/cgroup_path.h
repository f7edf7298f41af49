#pragma once

#include <string>
#include <string_view>

namespace se {

// What a cgroup v2 path says about the workload whose sockets live in it.
enum class WorkloadKind {
  kHost,        // the root cgroup: the node itself
  kPod,         // a Kubernetes pod: its slice or directory, or a container in it
  kContainer,   // a container outside Kubernetes (podman, docker)
  kService,     // a systemd service outside any container
  kOther,       // a cgroup none of the above names (a user session, a custom tree)
};

struct CgroupIdentity {
  WorkloadKind kind = WorkloadKind::kOther;
  std::string runtime;       // "containerd", "cri-o", "docker", "podman"; empty if not known
  std::string pod_uid;       // kPod: the pod's UID with its dashes ("0d5c...-..-..")
  std::string qos;           // kPod: "guaranteed", "burstable" or "besteffort"
  std::string container_id;  // the container's full ID (hex), empty for a pod's own cgroup
  std::string unit;          // kService: "NAME.service"
};

// Reads a cgroup path as the kernel shows it below the cgroup v2 root ("/kubepods.slice/...",
// "/" for the root), in each layout the common runtimes create:
//   Kubernetes, systemd driver: /kubepods.slice/kubepods-<qos>.slice/
//       kubepods-<qos>-pod<UID with _>.slice/{cri-containerd,crio,docker}-<ID>.scope
//   Kubernetes, cgroupfs driver: /kubepods/<qos>/pod<UID>/<ID>
//   podman: .../libpod-<ID>.scope[/container], /libpod_parent/libpod-<ID>
//   docker: /system.slice/docker-<ID>.scope, /docker/<ID>
//   systemd services: /system.slice/NAME.service[/...]
// Guaranteed pods have no QoS level in their path. A container's conmon or a pause scope is
// read like any other scope of its pod or runtime.
CgroupIdentity ParseCgroupPath(std::string_view path);

}  // namespace se
