#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "parsers/container_directory.h"
#include "parsers/workload_identity.h"
#include "system/cgroup_tree.h"

namespace se {

// Names of the workloads the kernel attributes sockets to (--attribution=cgroup): cgroup id ->
// path (CgroupTree) -> what the path says (ParseCgroupPath) -> the container's names from its
// runtime's bundle (ContainerDirectory). A cgroup is named once; one whose bundle is not found
// yet is asked again at most every `retry` (a bundle can lag its cgroup), one whose path is not
// found at the next walk the tree allows (at most one a second). Used by the scrape and the
// detector thread (every tick, so a workload that lives a second is named), so every call
// takes a lock.
class WorkloadNames {
 public:
  WorkloadNames(std::string cgroup_root, std::vector<std::string> runtime_roots,
                std::chrono::seconds retry = std::chrono::seconds(5));

  // The identity of each slot's cgroup (cgroups[w] == 0: an empty identity).
  std::vector<WorkloadIdentity> Resolve(const std::vector<uint64_t>& cgroups);
  // Whether cgroup `id` still exists: its directory is there with the same id.
  bool Exists(uint64_t id);
  // A recycled workload's cgroup: its names need not be kept.
  void Forget(uint64_t id);

 private:
  const WorkloadIdentity& Name(uint64_t id, uint64_t now_ns);
  uint64_t NowNs() const;

  std::mutex mu_;
  const std::string root_;
  const uint64_t retry_ns_;
  CgroupTree tree_;
  ContainerDirectory containers_;
  struct Known {
    WorkloadIdentity identity;
    uint64_t retry_at_ns = 0;  // 0: final
  };
  std::unordered_map<uint64_t, Known> known_;
};

}  // namespace se
