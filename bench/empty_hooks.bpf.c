// Empty programs for syn_hook_bench: what a hook costs before the SYN counter does any work.
// Each lets every packet pass at once, like syn_ingress and syn_tc_ingress do for non-SYNs.
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

// TC_ACT_UNSPEC, as syn_tc_ingress returns (SE_TC_PASS in syn_counters.bpf.h).
#define TC_ACT_UNSPEC -1

SEC("cgroup_skb/ingress")
int cgroup_empty(struct __sk_buff *skb) { return 1; }

SEC("tc")
int tc_empty(struct __sk_buff *skb) { return TC_ACT_UNSPEC; }

char LICENSE[] SEC("license") = "GPL";
