// Empty programs on every hook the exporter uses: the floor of each benchmark, what the kernel's
// dispatch to a program costs before the program does any work. The packet programs let every
// packet pass at once, as syn_ingress and syn_tc_ingress do for what they do not
// count; the tracepoint programs return at once, as the exporter's do for what they do not count.
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

// TC_ACT_UNSPEC, as syn_tc_ingress returns (SE_TC_PASS in syn_counters.bpf.h).
#define TC_ACT_UNSPEC -1

SEC("cgroup_skb/ingress")
int cgroup_empty(struct __sk_buff *skb) { return 1; }

SEC("tc")
int tc_empty(struct __sk_buff *skb) { return TC_ACT_UNSPEC; }

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(set_state_empty) { return 0; }

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(send_reset_empty) { return 0; }

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(receive_reset_empty) { return 0; }

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(retransmit_synack_empty) { return 0; }

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(retransmit_skb_empty) { return 0; }

SEC("tp_btf/kfree_skb")
int BPF_PROG(skb_drop_empty) { return 0; }

SEC("tp_btf/sock_send_length")
int BPF_PROG(send_length_empty) { return 0; }

char LICENSE[] SEC("license") = "GPL";
