// Which forms of the programs the exporter loads: read from the kernel's BTF. Kernels of
// another version are built as BTF in memory, with the tracepoints' typedefs as the kernel
// declares them; the running kernel's own BTF must give what it has.
#include "probes/kernel_tracepoints.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace se {
namespace {

using BtfPtr = std::unique_ptr<btf, decltype(&btf__free)>;

// Adds typedef btf_trace_<name>: pointer to void (void *__data, <args> pointers to int).
void AddTracepoint(btf* b, const std::string& name, int args) {
  const int ret = 0;  // void
  const int vp = btf__add_ptr(b, 0);
  const int proto = btf__add_func_proto(b, ret);
  ASSERT_GT(proto, 0);
  ASSERT_EQ(btf__add_func_param(b, "__data", vp), 0);
  for (int i = 0; i < args; ++i)
    ASSERT_EQ(btf__add_func_param(b, ("a" + std::to_string(i)).c_str(), vp), 0);
  const int ptr = btf__add_ptr(b, proto);
  ASSERT_GT(btf__add_typedef(b, ("btf_trace_" + name).c_str(), ptr), 0);
}

TEST(KernelTracepointsTest, ALinux68KernelHasNoSendLengthAndThreeKfreeSkbArguments) {
  BtfPtr b(btf__new_empty(), btf__free);
  ASSERT_TRUE(b);
  AddTracepoint(b.get(), "kfree_skb", 3);  // skb, location, reason
  const KernelTracepoints k = ReadKernelTracepoints(b.get());
  EXPECT_FALSE(k.sock_send_length);
  EXPECT_EQ(k.kfree_skb_args, 3);
}

TEST(KernelTracepointsTest, ALinux611KernelHasBoth) {
  BtfPtr b(btf__new_empty(), btf__free);
  ASSERT_TRUE(b);
  AddTracepoint(b.get(), "sock_send_length", 3);  // sk, ret, flags
  AddTracepoint(b.get(), "kfree_skb", 4);         // skb, location, reason, rx_sk
  const KernelTracepoints k = ReadKernelTracepoints(b.get());
  EXPECT_TRUE(k.sock_send_length);
  EXPECT_EQ(k.kfree_skb_args, 4);
}

TEST(KernelTracepointsTest, TheRunningKernelsBtfIsRead) {
  BtfPtr b(btf__load_vmlinux_btf(), btf__free);
  ASSERT_TRUE(b) << "no kernel BTF";
  const KernelTracepoints k = ReadKernelTracepoints(b.get());
  // This suite runs on 6.11+ (docs/architecture.md, "Kernel versions"), where both exist.
  EXPECT_TRUE(k.sock_send_length);
  EXPECT_EQ(k.kfree_skb_args, 4);
}

}  // namespace
}  // namespace se
