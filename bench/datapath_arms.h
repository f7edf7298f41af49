// The arms of datapath_bench: nothing attached, the exporter's programs (TcpEventsProbe, fully
// attached, SYN counter at the cgroup or the TC hook), or empty programs on the same hooks (the
// seven tracepoints plus cgroup_skb ingress, or the TC hook). Errors throw MeterError.
#ifndef SE_BENCH_DATAPATH_ARMS_H_
#define SE_BENCH_DATAPATH_ARMS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/unique_fd.h"
#include "probes/tc_ingress.h"
#include "probes/tcp_events_probe.h"

struct empty_hooks;
struct bpf_link;

namespace se::bench {

enum DatapathArm { kDetached, kEmptyCgroup, kExporterCgroup, kEmptyTc, kExporterTc, kArmCount };

const char* DatapathArmName(int arm);
// The empty arm on the same hook as an exporter arm; -1 for the others.
int MatchingEmptyArm(int arm);
bool IsExporterArm(int arm);
// Mount point of the cgroup v2 hierarchy in /proc/self/mounts; "" if none.
std::string Cgroup2Mount();

class DatapathArms {
 public:
  // The exporter arms are scoped to the namespace of inode netns_ino; TC programs attach to
  // every interface of the namespace netns_fd refers to; ports get slots of their own.
  DatapathArms(uint32_t netns_ino, int netns_fd, const std::vector<uint16_t>& ports);
  ~DatapathArms();
  DatapathArms(const DatapathArms&) = delete;
  DatapathArms& operator=(const DatapathArms&) = delete;

  void Attach(int arm);  // detaches the previous arm first
  void Detach();
  // "lo,se0": where the TC arms attached (after a TC arm ran).
  const std::string& TcInterfaces() const { return tc_interfaces_; }

 private:
  void AttachEmpty(bool tc);
  void AttachExporter(TcpEventsProbe* probe, const char* arm);

  UniqueFd netns_;
  std::unique_ptr<TcpEventsProbe> cgroup_, tc_;
  empty_hooks* empty_ = nullptr;
  std::vector<bpf_link*> links_;  // the empty arms' tracepoint and cgroup links
  TcIngress tc_empty_;
  std::string tc_interfaces_;
};

}  // namespace se::bench

#endif  // SE_BENCH_DATAPATH_ARMS_H_
