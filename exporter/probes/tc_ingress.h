#pragma once

#include <string>
#include <vector>

#include "net/unique_fd.h"

namespace se {

// One program attached at TC ingress of every interface of one network namespace: a tcx link
// (kernel 6.6+, detached by the kernel when the exporter exits, however it exits) where the
// kernel has them, else a clsact filter with a fixed handle and priority, which the next start
// replaces if this one could not remove it.
class TcIngress {
 public:
  TcIngress() = default;
  ~TcIngress() { Detach(); }
  TcIngress(const TcIngress&) = delete;
  TcIngress& operator=(const TcIngress&) = delete;

  // Attaches prog_fd to every interface of the namespace netns_fd refers to (-1: the calling
  // thread's own). Returns false with errno set if none took it; interfaces that refused are
  // logged and named in *failed ("lo: Operation not permitted, ...").
  bool Attach(int prog_fd, int netns_fd, std::string* failed);
  void Detach();
  bool attached() const { return !attached_.empty(); }
  // "lo,eth0": the interfaces the program runs on.
  std::string Interfaces() const;

 private:
  struct Attachment {
    int ifindex = 0;
    std::string name;
    UniqueFd link;  // tcx link; invalid for a clsact filter
  };
  // Attaches in the calling thread's namespace.
  void AttachHere(int prog_fd, std::string* failed, int* last_errno);

  std::vector<Attachment> attached_;
  UniqueFd netns_;  // the namespace attached to; invalid: the exporter's own
};

}  // namespace se
