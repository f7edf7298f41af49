#include "inventory/workload_names.h"

#include <sys/stat.h>

#include <utility>

#include "parsers/cgroup_path.h"

namespace se {

WorkloadNames::WorkloadNames(std::string cgroup_root, std::vector<std::string> runtime_roots,
                             std::chrono::seconds retry)
    : root_(std::move(cgroup_root)),
      retry_ns_(static_cast<uint64_t>(std::chrono::nanoseconds(retry).count())),
      tree_(root_),
      containers_(runtime_roots.empty() ? ContainerDirectory::DefaultRoots()
                                        : std::move(runtime_roots)) {}

uint64_t WorkloadNames::NowNs() const {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

const WorkloadIdentity& WorkloadNames::Name(uint64_t id, uint64_t now_ns) {
  auto it = known_.find(id);
  if (it != known_.end() && (!it->second.retry_at_ns || now_ns < it->second.retry_at_ns))
    return it->second.identity;
  const std::optional<std::string> path = tree_.PathOf(id, now_ns);
  const CgroupIdentity parsed = ParseCgroupPath(path ? *path : "");
  std::optional<ContainerNames> names;
  bool final = path.has_value();
  if (path && !parsed.container_id.empty()) {
    std::string error;
    names = containers_.Lookup(parsed.container_id, &error);
    final = names.has_value();
  }
  // A path not found is asked again at once (the tree walks at most once a second); a bundle
  // not found after retry_ns_.
  Known k{NameWorkload(path ? *path : "", parsed, names ? &*names : nullptr, id),
          final  ? 0
          : path ? now_ns + retry_ns_
                 : now_ns};
  return known_.insert_or_assign(id, std::move(k)).first->second.identity;
}

std::vector<WorkloadIdentity> WorkloadNames::Resolve(const std::vector<uint64_t>& cgroups) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t now = NowNs();
  std::vector<WorkloadIdentity> out(cgroups.size());
  for (size_t w = 0; w < cgroups.size(); ++w) {
    if (cgroups[w]) out[w] = Name(cgroups[w], now);
  }
  return out;
}

bool WorkloadNames::Exists(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::optional<std::string> path = tree_.PathOf(id, NowNs());
  struct stat st {};
  return path && stat((root_ + (*path == "/" ? "" : *path)).c_str(), &st) == 0 &&
         static_cast<uint64_t>(st.st_ino) == id;
}

void WorkloadNames::Forget(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = known_.find(id);
  if (it == known_.end()) return;
  if (!it->second.identity.container_id.empty())
    containers_.Forget(it->second.identity.container_id);
  known_.erase(it);
}

}  // namespace se
