// What the running kernel's tracepoints offer, read from its BTF before the BPF object loads:
// programs on a tracepoint the kernel lacks, or reading an argument it does not pass, would
// make the whole object fail to load.
#ifndef SE_PROBES_KERNEL_TRACEPOINTS_H_
#define SE_PROBES_KERNEL_TRACEPOINTS_H_

struct btf;

namespace se {

struct KernelTracepoints {
  bool sock_send_length = true;  // sock:sock_send_length (Linux 6.3+): UDP sends
  int kfree_skb_args = 4;        // skb:kfree_skb's arguments: 4 with rx_sk (6.11+), 3 before
};

// From a kernel's BTF (the btf_trace_<name> typedefs of its raw tracepoints).
KernelTracepoints ReadKernelTracepoints(const btf* vmlinux);
// From the running kernel's; the newest kernel's if its BTF cannot be read (the load then
// fails on its own, with its own error).
KernelTracepoints ReadKernelTracepoints();

}  // namespace se

#endif  // SE_PROBES_KERNEL_TRACEPOINTS_H_
