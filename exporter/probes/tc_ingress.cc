#include "probes/tc_ingress.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "logging/log.h"

namespace se {
namespace {

// BPF_TCX_INGRESS of kernel 6.6's UAPI, which the build host's headers may predate.
constexpr int kTcxIngress = 46;
// The clsact filter's identity ("se" in ASCII), so a restart replaces a killed run's filter.
constexpr uint32_t kFilterHandle = 0x5345;
constexpr uint32_t kFilterPriority = 0x5345;

bpf_tc_hook IngressHook(int ifindex) {
  bpf_tc_hook hook{};
  hook.sz = sizeof(hook);
  hook.ifindex = ifindex;
  hook.attach_point = BPF_TC_INGRESS;
  return hook;
}

bpf_tc_opts FilterOpts(int prog_fd) {
  bpf_tc_opts opts{};
  opts.sz = sizeof(opts);
  opts.handle = kFilterHandle;
  opts.priority = kFilterPriority;
  opts.prog_fd = prog_fd;
  opts.flags = prog_fd >= 0 ? BPF_TC_F_REPLACE : 0;
  return opts;
}

// A clsact filter on ifindex; 0 or a negative errno.
int AttachClsact(int prog_fd, int ifindex) {
  bpf_tc_hook hook = IngressHook(ifindex);
  int err = bpf_tc_hook_create(&hook);
  if (err && err != -EEXIST) return err;
  bpf_tc_opts opts = FilterOpts(prog_fd);
  return bpf_tc_attach(&hook, &opts);
}

void DetachClsact(int ifindex) {
  bpf_tc_hook hook = IngressHook(ifindex);
  bpf_tc_opts opts = FilterOpts(-1);
  opts.prog_fd = 0;
  bpf_tc_detach(&hook, &opts);  // the clsact qdisc stays: other programs may use it
}

// Runs fn in the namespace netns_fd (-1: here), on a throwaway thread if it must move.
template <typename Fn>
bool InNamespace(int netns_fd, Fn fn) {
  if (netns_fd < 0) {
    fn();
    return true;
  }
  bool entered = false;
  std::thread t([&] {
    entered = setns(netns_fd, CLONE_NEWNET) == 0;
    if (entered) fn();
  });
  t.join();
  return entered;
}

}  // namespace

void TcIngress::AttachHere(int prog_fd, std::string* failed, int* last_errno) {
  struct if_nameindex* names = if_nameindex();
  if (!names) {
    *last_errno = errno;
    *failed = std::string("cannot list the interfaces: ") + std::strerror(errno);
    return;
  }
  for (const struct if_nameindex* n = names; n->if_index != 0; ++n) {
    Attachment a;
    a.ifindex = static_cast<int>(n->if_index);
    a.name = n->if_name;
    a.link.reset(
        bpf_link_create(prog_fd, a.ifindex, static_cast<bpf_attach_type>(kTcxIngress), nullptr));
    int err = a.link ? 0 : errno;
    if (!a.link && (err == EINVAL || err == EOPNOTSUPP)) err = -AttachClsact(prog_fd, a.ifindex);
    if (err == 0) {
      log::Debug("SYN counter attached at TC ingress",
                 {{"interface", a.name}, {"kind", a.link ? "tcx" : "clsact"}});
      attached_.push_back(std::move(a));
      continue;
    }
    *last_errno = err;
    if (!failed->empty()) *failed += ", ";
    *failed += a.name + ": " + std::strerror(err);
  }
  if_freenameindex(names);
}

bool TcIngress::Attach(int prog_fd, int netns_fd, std::string* failed) {
  Detach();
  failed->clear();
  int last_errno = 0;
  netns_.reset(netns_fd >= 0 ? fcntl(netns_fd, F_DUPFD_CLOEXEC, 0) : -1);
  if (!InNamespace(netns_fd, [&] { AttachHere(prog_fd, failed, &last_errno); })) {
    last_errno = errno;
    *failed = std::string("setns(CLONE_NEWNET): ") + std::strerror(errno);
  }
  if (!attached_.empty()) {
    if (!failed->empty())
      log::Warn("SYN counter not attached on some interfaces; SYNs they receive are not counted",
                {{"interfaces", *failed}});
    return true;
  }
  errno = last_errno ? last_errno : ENODEV;
  return false;
}

void TcIngress::Detach() {
  // A clsact filter in another namespace stays (setns is not allowed after start-up): the next
  // start replaces it, and it goes with the namespace. Here, removing it needs CAP_NET_ADMIN,
  // which a sandboxed exporter no longer has either; tcx links need nothing.
  if (!netns_) {
    for (const Attachment& a : attached_)
      if (!a.link) DetachClsact(a.ifindex);
  }
  attached_.clear();  // closing a tcx link detaches it
}

std::string TcIngress::Interfaces() const {
  std::string out;
  for (const Attachment& a : attached_) out += (out.empty() ? "" : ",") + a.name;
  return out;
}

}  // namespace se
