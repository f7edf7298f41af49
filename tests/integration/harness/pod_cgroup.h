// A Kubernetes-style workload for attribution tests: a cgroup below the cgroup v2 root named
// as podman's cgroupfs manager names a container's (libpod-<ID>), and a bundle
// (<root>/<ID>/config.json) whose annotations name its pod, namespace and container, as a CRI
// runtime writes them. Enter() moves this whole process into the cgroup, so every socket it
// creates from then on (and every socket accepted from those listeners) is the workload's.
#ifndef SE_TEST_HARNESS_POD_CGROUP_H_
#define SE_TEST_HARNESS_POD_CGROUP_H_

#include <string>

namespace se::test {

// The "0::/path" line of /proc/PID/cgroup ("self" for this process): the kernel's record of a
// process's cgroup v2 group; "" if there is none.
std::string Cgroup2Of(const std::string& pid);

class PodCgroup {
 public:
  // Throws std::runtime_error if the cgroup v2 hierarchy is not mounted at its root.
  PodCgroup(std::string pod_namespace, std::string pod, std::string container);
  ~PodCgroup();  // moves the process back where it was, removes the cgroup and the bundle
  PodCgroup(const PodCgroup&) = delete;
  PodCgroup& operator=(const PodCgroup&) = delete;

  void Enter() const;
  void Leave() const;
  // --path.runtime for the exporter, and the workload label it should give.
  const std::string& bundle_root() const { return bundles_; }
  std::string workload() const { return namespace_ + "/" + pod_ + "/" + container_; }

 private:
  void MoveTo(const std::string& path) const;
  std::string namespace_, pod_, container_;
  std::string root_, home_, cgroup_, bundles_, id_;
};

}  // namespace se::test

#endif  // SE_TEST_HARNESS_POD_CGROUP_H_
