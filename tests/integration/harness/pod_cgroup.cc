#include "harness/pod_cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "system/cgroup_tree.h"

namespace se::test {

std::string Cgroup2Of(const std::string& pid) {
  std::ifstream lines("/proc/" + pid + "/cgroup");
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return "";
}

PodCgroup::PodCgroup(std::string pod_namespace, std::string pod, std::string container)
    : namespace_(std::move(pod_namespace)), pod_(std::move(pod)), container_(std::move(container)) {
  root_ = Cgroup2Root();
  if (root_.empty() || CgroupIdOf(root_) != kRootCgroupId)
    throw std::runtime_error("no cgroup v2 hierarchy mounted at its root in /proc/self/mounts");
  home_ = Cgroup2Of("self");
  char id[65];
  std::snprintf(id, sizeof(id), "%032x%032x", static_cast<unsigned>(getpid()), 0xc0ffeeu);
  id_ = id;
  cgroup_ = "/libpod-" + id_;
  bundles_ = "/tmp/se-pod-bundles-" + std::to_string(getpid());
  if (mkdir((root_ + cgroup_).c_str(), 0755) != 0 || mkdir(bundles_.c_str(), 0700) != 0 ||
      mkdir((bundles_ + "/" + id_).c_str(), 0700) != 0)
    throw std::runtime_error("cannot create the pod's cgroup or bundle directory");
  std::ofstream(bundles_ + "/" + id_ + "/config.json")
      << R"({"ociVersion":"1.0.2","annotations":{)"
      << R"("io.kubernetes.cri.sandbox-namespace":")" << namespace_ << R"(",)"
      << R"("io.kubernetes.cri.sandbox-name":")" << pod_ << R"(",)"
      << R"("io.kubernetes.cri.container-name":")" << container_ << R"("}})";
}

PodCgroup::~PodCgroup() {
  try {
    Leave();
  } catch (const std::exception&) {  // the cgroup stays; its name says whose it is
  }
  rmdir((root_ + cgroup_).c_str());
  unlink((bundles_ + "/" + id_ + "/config.json").c_str());
  rmdir((bundles_ + "/" + id_).c_str());
  rmdir(bundles_.c_str());
}

void PodCgroup::MoveTo(const std::string& path) const {
  std::ofstream procs(root_ + (path == "/" ? "" : path) + "/cgroup.procs");
  procs << getpid() << std::flush;
  if (!procs.good()) throw std::runtime_error("cannot move this process into cgroup " + path);
}

void PodCgroup::Enter() const { MoveTo(cgroup_); }
void PodCgroup::Leave() const { MoveTo(home_.empty() ? "/" : home_); }

}  // namespace se::test
