#include "probes/kernel_tracepoints.h"

#include <bpf/btf.h>

#include <string>

namespace se {
namespace {

// Arguments of raw tracepoint `name` (its btf_trace_ typedef: a pointer to a function whose
// first parameter is the tracepoint's data), or -1 when the kernel has no such tracepoint.
int TracepointArgs(const btf* vmlinux, const char* name) {
  const int id = btf__find_by_name_kind(vmlinux, (std::string("btf_trace_") + name).c_str(),
                                        BTF_KIND_TYPEDEF);
  if (id < 0) return -1;
  const btf_type* ptr = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type);
  if (!ptr || !btf_is_ptr(ptr)) return -1;
  const btf_type* proto = btf__type_by_id(vmlinux, ptr->type);
  if (!proto || !btf_is_func_proto(proto)) return -1;
  return btf_vlen(proto) - 1;
}

}  // namespace

KernelTracepoints ReadKernelTracepoints(const btf* vmlinux) {
  KernelTracepoints k;
  k.sock_send_length = TracepointArgs(vmlinux, "sock_send_length") >= 0;
  k.kfree_skb_args = TracepointArgs(vmlinux, "kfree_skb");
  return k;
}

KernelTracepoints ReadKernelTracepoints() {
  btf* vmlinux = btf__load_vmlinux_btf();
  if (!vmlinux) return {};
  const KernelTracepoints k = ReadKernelTracepoints(vmlinux);
  btf__free(vmlinux);
  return k;
}

}  // namespace se
